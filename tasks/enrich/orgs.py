"""Organisation names, whole: a head word (……部, ……局, ……厅, ……委, ……办, ……院, ……医院, ……大学, ……公司,
……协会, 人大, 政协, 市委 …) expanded leftwards over the tokens that belong to the name.

Official prose names bodies with everything that places them: 广州市第十二人民医院, 湖北省国土资源厅,
重庆市国土资源和房屋管理局, 国家卫生计生委办公厅, 县委巡察办. The segmenter cuts these into pieces
(广州市 / 第十二 / 人民 / 医院; 发展 / 改革 / 委), so a name is built from its head token leftwards:

- over nouns, proper names, places and administrative levels (省, 市, 县, 中央, 国家), ordinals (第一,
  第十二), a 和 inside a department's name (文化和旅游部, 住房和城乡建设厅) and parent bodies written
  before it (国务院 + 办公厅, 国家卫计委 + 医政医管局);
- stopping at punctuation, function words, coordinating words (会同, 委托, 和 between two bodies) and at a
  second body of the same standing: 市委 | 市政府, 人大 | 政协, 国务院办公厅 | 中央军委办公厅 (a body
  followed by one starting with a level or place word, or by a standalone body, is two names);
- a head that only says what kind of body it is (政府, 中心, 医院, 委员会, 协会 …) must have a place,
  level or proper name in its name: 海南省人民政府 is one, 服务型政府, 融媒体中心, 三级综合医院 and
  便民服务中心 are not.

Slogans, campaigns and platforms (一网通办, 最多跑一次, 接诉即办, 互联网+政务服务, 掌上办) are not
organisations, whatever they end with: they are formulations (terms.py). Neither are websites named
after a body (中国政府网, 中央政府门户网站).

Knowingly misses: names whose place the segmenter tags as an adverb or locality (大连/d 船用柴油机厂,
南方/f 医院 give 船用柴油机厂 and nothing), names behind a verb that belongs to them (振兴东北办 gives
东北办), abbreviations without a head word (中大附二, 太钢), and a joint office of two bodies split
like two bodies (市委市政府督查办公室 is kept whole only because a further head follows 市政府).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from wenji.tasks.segment import OFFICIAL_DICT, jieba_data_path, load_user_dict

# Heads, longest first, that end an organisation's name inside a longer token (科技部, 集团公司,
# 医学会, 柴油机厂, 信息办). Tuned on bench/entities/orgs_dev.jsonl.
SUFFIX_HEADS = (
    "委员会", "常委会", "联合会", "办公厅", "办公室", "管理局", "指挥部", "领导小组", "检察院", "交易所",
    "总局", "分局", "公司", "集团", "银行", "大学", "学院", "医院", "协会", "学会", "监会", "党委", "党组",
    "纪委", "监委", "政府", "法院", "中心", "组织", "军区",
    "部", "委", "办", "局", "厅", "院", "处", "所",
)  # fmt: skip
# Heads that only say what kind of body it is: the name needs a place, level or proper name too.
KIND_HEADS = frozenset(
    {"委员会", "联合会", "办公室", "指挥部", "领导小组", "公司", "集团", "银行", "大学", "学院", "医院"}
    | {"协会", "学会", "政府", "法院", "检察院", "中心", "组织", "处", "所", "党委", "党组", "纪委"}
)
# Words our dictionary tags nt that name a class of bodies: a name only with a place or level
# (县纪检监察机关).
KINDS_OF_BODY = frozenset(
    {"基层党组织", "党组织", "党支部", "纪检监察机关", "志愿服务队", "党委", "党组", "纪委"}
)
# One-character heads standing as their own token (发展 改革 委, 自然资源 部, 湖北省 地勘 局, 县委 巡察
# 办): a name only with the modifier before them, whatever tag the segmenter gave them (委/zg, 办/v).
SINGLE_HEADS = frozenset("委办局厅部院处所")
# Bodies named by themselves (no place or level needed, and a body of its own standing when written
# after another: 人大 | 政协).
STANDALONE = frozenset(
    {"国务院", "党中央", "中共中央", "中央军委", "全国人大", "全国政协", "人大", "政协", "国办", "人民银行"}
)
_STANDING_BODY_RE = re.compile(r"^(?:[省市县区镇乡]委|[省市县区镇乡]政府|中共.+|中央.+|国家.+|国务院.*)$")
# Words ending like a head that are not bodies: ordinary words (干部 cadre, 大厅 hall, 场所 place),
# party-and-state phrases, slogans and platforms. Slogans are the terms detectors' business.
ORDINARY = frozenset(
    {"干部", "全部", "内部", "外部", "局部", "东部", "西部", "南部", "北部", "中部", "底部", "头部", "总部"}
    | {"大厅", "客厅", "餐厅", "展厅", "门厅", "场所", "处所", "住所", "厕所", "诊所", "好处", "益处"}
    | {"到处", "之处", "各处", "长处", "用处", "深处", "难处", "相处", "共处", "此处", "出处", "住处"}
    | {"原委", "督办", "承办", "创办", "主办", "协办", "举办", "查办", "盯办", "包办", "开办", "兴办"}
    | {"法办", "严办", "代办", "帮办", "快办", "速办", "好办", "难办", "照办", "交办", "转办", "领办"}
    | {"住院", "出院", "入院", "核心", "重心", "市中心", "党和政府", "党委和政府", "部委", "各部委", "申办"}
    | {"格局", "布局", "大局", "全局", "结局", "开局", "变局", "时局", "定局", "僵局", "出局", "当局"}
)
SLOGANS = frozenset(
    {"一网通办", "最多跑一次", "接诉即办", "互联网+政务服务", "掌上办", "马上办", "一次办", "跨省通办"}
    | {"全程网办", "一件事一次办", "不见面审批", "只进一扇门", "指尖办", "就近办", "网上办", "帮您办"}
)
# 办 after one of these is the verb "to handle" in a slogan (一网通办, 接诉即办, 掌上办, 一次办).
_VERB_BAN_RE = re.compile(r"(?:通|即|上|次|网|快|马上|就近|指尖|帮您|一起|代)办$")
# Titles glued to a name by the segmenter (协会会长, 党委书记): the name ends before them.
TITLES = ("会长", "书记", "院长", "局长", "处长", "主任", "部长", "厅长", "校长", "委员")
# Words that never belong to a name: they join or govern names (会同, 委托, 联合) or point at one
# (我委, 该局); checked before the tag.
STOP_WORDS = frozenset(
    {"会同", "委托", "联合", "协同", "配合", "协助", "和", "与", "及", "或", "同", "暨", "由", "向", "经"}
    | {"对", "请", "报送", "转发", "印发", "批示", "筹建", "发起", "经商", "关于", "各", "该", "我", "本"}
    | {"各级", "全市", "全省", "全县", "全区", "直辖市", "自治区", "省级", "市级", "县级", "地方"}
)
# Tags of tokens that may stand inside a name before its head.
PART_POS = frozenset({"n", "nz", "nt", "ns", "nr", "nrt", "nrfg", "j", "vn", "ng", "an", "l", "b", "zg", "v"})
# Tags that say a token is a proper name or place (an anchor for a kind head).
NOUN_POS = frozenset({"n", "nz", "nt", "ns", "j", "ng"})
VERB_POS = frozenset({"v", "vn", "vd", "a", "ad"})
PROPER_POS = frozenset({"nz", "nt", "ns", "nr", "nrt", "nrfg", "j"})
# Administrative levels that anchor a name and may stand as one-character tokens (省 人民 医院).
LEVEL_WORDS = frozenset(
    {"省", "市", "县", "区", "镇", "乡", "村", "州", "中央", "国家", "中国", "全国", "中共", "国务院", "省委"}
)
_PLACE_RE = re.compile(r"..*[省市县区州]$")
_ORDINAL_RE = re.compile(r"^第[一二三四五六七八九十百零〇0-9]+$")
# Words after a name that make it a website's name (中国政府网, 中央政府门户网站), not a body's.
WEBSITE_WORDS = frozenset({"网", "网站", "门户网站", "门户网", "网站群"})
# Words after a name that make it part of something else: a document number (国办函〔2005〕, 国办发), a
# meeting named after the body (国务院常务会议).
NOT_AFTER = WEBSITE_WORDS | {"函", "发", "常务会议", "全体会议", "会议"}
# Leading pointers glued to a name by the segmenter (我委医政 / 医管局): dropped from the name (我部 alone
# becomes one character, too short to be a name).
_DEICTIC_RE = re.compile(r"^(?:我|该|本)[委部局办院厅]")
# Words before a bare head that make it a count or a class of bodies, not one body (各巡察组, 个巡察组).
QUANTIFIERS = frozenset({"各", "每", "个", "该", "其", "这", "那", "此", "诸", "多个", "各个"})
# Longer candidates are two names or a name plus context run together.
MAX_NAME_CHARS = 24


@functools.cache
def dictionary_orgs() -> frozenset[str]:
    """Words that jieba's dictionary or ours tag nt. rjieba's HMM also tags unknown words nt
    (日常化), so a bare nt tag is trusted only for these."""
    with jieba_data_path("dict.txt").open(encoding="utf-8") as fh:
        words = {line.split(" ", 1)[0] for line in fh if line.rstrip().endswith(" nt")}
    words.update(w for w, _, tag in load_user_dict(OFFICIAL_DICT) if tag == "nt")
    return frozenset(words)


@functools.cache
def official_orgs() -> frozenset[str]:
    """The nt words of our own dictionary (jieba's nt list also holds 新格局, 国家有关, 人民政府)."""
    return frozenset(w for w, _, tag in load_user_dict(OFFICIAL_DICT) if tag == "nt" and len(w) >= 2)


def warm_up() -> None:
    dictionary_orgs()
    official_orgs()


# (word, tag) -> (chars cut from the token's end, the head's kind) for head tokens; None otherwise.
# Kinds: "body" (a name by itself: 国务院, 科技部), "kind" (needs an anchor: 人民政府, 医院), "single"
# (a one-character head token: needs a modifier before it).
HeadInfo = tuple[int, str] | None
_HEAD_NONE: HeadInfo = None


@functools.lru_cache(maxsize=1 << 18)
def head_info(word: str, pos: str) -> HeadInfo:
    """Whether a token ends an organisation's name, and how (see `HeadInfo`).

    Catches 财政部, 发展改革委 (委 as its own token), 证监会, 国资委, 广东省医疗安全协会, 协会会长 (the
    name ends before the title), dictionary organisations (大连商品交易所, 世界贸易组织). Refuses ordinary
    words ending like a head (干部, 大厅, 格局, 督办) and slogans (一网通办, 接诉即办).
    """
    if pos in ("x", "m", "mq", "p", "c", "u", "uj", "d", "r", "y", "e", "o", "f", "t"):
        return None
    if word in SLOGANS or word in ORDINARY or _VERB_BAN_RE.search(word):
        return None
    if word in STANDALONE or (_STANDING_BODY_RE.match(word) and word.endswith(SUFFIX_HEADS)):
        return 0, "body"
    if len(word) == 1:
        return (0, "single") if word in SINGLE_HEADS else None
    for title in TITLES:
        if word.endswith(title) and len(word) > len(title):
            inner = head_info(word[: -len(title)], "n")
            return (len(title), inner[1]) if inner and inner[1] != "single" else None
    for head in SUFFIX_HEADS:
        if word.endswith(head):
            if word == head:  # 医院, 政府, 总局 alone: a name only with a modifier (and an anchor)
                if pos in VERB_POS:
                    return None  # 组织/v: the verb
                return (0, "kind") if head in KIND_HEADS else (0, "single")
            if len(head) == 1 and (word[-2:] in ORDINARY or pos in VERB_POS):
                return None  # 申办, 盯办, 全部
            known = pos == "nt" and word in dictionary_orgs() and not word.startswith("人民")
            kind = (head in KIND_HEADS and not known) or word in KINDS_OF_BODY
            return 0, "kind" if kind else "body"
    if pos == "nt" and word in official_orgs():
        # 巡察组, 发展改革委: our dictionary lists them as organisations; 纪检监察机关 is a class of them
        return 0, "kind" if word in KINDS_OF_BODY else "body"
    return None


def _is_anchor(word: str, pos: str) -> bool:
    """A place, an administrative level or a proper name: what makes 人民政府 somebody's."""
    return word in LEVEL_WORDS or pos in PROPER_POS or (_PLACE_RE.match(word) is not None and pos != "n")


def _is_part(words: list[str], tags: list[str], k: int) -> bool:
    word, pos = words[k], tags[k]
    if word in STOP_WORDS:
        return False
    if word in LEVEL_WORDS or _ORDINAL_RE.match(word) or word in ("•", "·"):
        return True
    if pos == "v":
        # A verb inside a name (巡察 办, 地勘 局, 防治 工作 指挥部, 附 三院), not one governing it
        # (执行 国务院, 联合 中国 …, 确保 市委).
        nxt = k + 1
        if nxt >= len(words) or _starts_a_body(words, tags, nxt):
            return False
        info = head_info(words[nxt], tags[nxt])
        if info is not None and info[1] == "body":
            return False  # 涉及 最高人民法院, 加入 世界贸易组织
        return len(word) >= 2 or info is not None
    return pos in PART_POS


def _starts_a_body(words: list[str], tags: list[str], s: int) -> bool:
    """Token s starts a body of its own standing: a level or place word, or a standalone body."""
    word = words[s]
    return (
        word in STANDALONE
        or word in LEVEL_WORDS
        or tags[s] == "ns"
        or word[:2] in _BODY_PREFIXES
        or _STANDING_BODY_RE.match(word) is not None
    )


_BODY_PREFIXES = frozenset({"省委", "市委", "县委", "区委", "中央", "国家", "国务", "全国", "中共", "最高"})
# A token that names a body with its place already in it (湖北省人民政府, 巴东县人民政府).
_PLACED_BODY_RE = re.compile(r"^[\u4e00-\u9fff]{1,4}?[省市县区](?!委$)")


def _name_start(words: list[str], tags: list[str], h: int, lo: int) -> int:
    """Index of the first token of the name whose head is token h (tokens before `lo` are not looked at)."""
    s = h
    k = h - 1
    # A body named by itself (国办, 省委, 湖北省人民政府): nothing but places, levels and parents before it.
    anchored = _starts_a_body(words, tags, h) or _PLACED_BODY_RE.match(words[h]) is not None
    while k >= lo:
        word = words[k]
        if anchored and not (
            _is_anchor(word, tags[k]) or _ORDINAL_RE.match(word) or head_info(word, tags[k])
        ):
            break
        if word == "）" and k - 2 >= lo and words[k - 2] == "（" and words[k - 1] in ("集团", "控股"):
            s, k = k - 2, k - 3  # 太原钢铁（集团）有限公司
            continue
        if word == "和":
            # inside a department's name (文化和旅游部, 国土资源和房屋管理局), not between two bodies
            inside = (
                k - 1 >= lo and head_info(words[k - 1], tags[k - 1]) is None and _is_part(words, tags, k - 1)
            )
            if inside and not _starts_a_body(words, tags, s):
                s, k = k, k - 1
                continue
            break
        info = head_info(word, tags[k])
        if info is not None and info[0] == 0 and info[1] != "single":
            # a body before the name: its parent (国务院 办公厅) or a second body (市委 | 市政府)
            if _starts_a_body(words, tags, s) and not _joint(words, k, s, h):
                break
            s, k = k, k - 1
            continue
        if not _is_part(words, tags, k):
            break
        anchored = anchored or _is_anchor(word, tags[k])
        s, k = k, k - 1
    return s


def _joint(words: list[str], k: int, s: int, h: int) -> bool:
    """市委 市政府 督查 办公室: a joint office of the party committee and government of one level."""
    a, b = words[k], words[s]
    return s < h and len(a) == 2 and a[1] == "委" and b == a[0] + "政府"


def _valid(words: list[str], tags: list[str], s: int, h: int, kind: str) -> bool:
    if kind == "single" and s == h:
        return False  # 办, 局 alone
    if s == h and s > 0 and words[s - 1] in QUANTIFIERS:
        return False  # 各巡察组, X 个巡察组: every such body, not one
    if kind == "kind":
        if s == h and words[h] in SUFFIX_HEADS:
            return False  # 医院, 政府 alone
        if not any(_is_anchor(words[k], tags[k]) for k in range(s, h)):
            return False  # 服务型政府, 融媒体中心, 三级综合医院
    if s > 0 and h + 1 < len(words) and words[s - 1] == "“" and words[h + 1] == "”":
        return False  # “参谋部”“战斗部”: a figure of speech in quotes
    nxt = h + 1
    return not (nxt < len(words) and words[nxt] in NOT_AFTER)


# One code per token for `org_names`' scan (`head_code`): a head token, a sentence separator (an empty
# token) or any other token. The caller keeps them in a string, so the scan visits the heads only.
HEAD_CODE, SEPARATOR_CODE, OTHER_CODE = "h", "|", "."


def head_code(word: str, pos: str) -> str:
    if not word:
        return SEPARATOR_CODE
    return HEAD_CODE if head_info(word, pos) is not None else OTHER_CODE


def org_names(words: list[str], tags: list[str], codes: str) -> Iterator[tuple[int, str]]:
    """(index of the name's first token, name) for every organisation named in a document's tokens
    (sentences separated by an empty token; `codes`: each token's `head_code`), right to left: a head
    inside a longer name (国务院 in 国务院办公厅) is part of that name, not a name of its own."""
    found: list[tuple[int, str]] = []
    h = codes.rfind(HEAD_CODE)
    while h >= 0:
        cut, kind = head_info(words[h], tags[h])  # a head token: never None
        s = _name_start(words, tags, h, codes.rfind(SEPARATOR_CODE, 0, h) + 1)
        if _valid(words, tags, s, h, kind):
            name = "".join(words[s:h]) + (words[h][:-cut] if cut else words[h])
            name = _DEICTIC_RE.sub("", name)
            if 2 <= len(name) <= MAX_NAME_CHARS and name not in SLOGANS:
                found.append((s, name))
            h = codes.rfind(HEAD_CODE, 0, s)
        else:
            h = codes.rfind(HEAD_CODE, 0, h)
    found.reverse()
    yield from found
