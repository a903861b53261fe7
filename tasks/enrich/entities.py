"""Named entities: people, places, organisations and meetings, with mention counts.

From the segmenter's POS tags (jieba's tagset: nr* people, ns places, nt organisations) plus head-word
patterns for the organisations and meetings official texts name all the time (……市委, ……办公室, ……局,
……会议): a run of noun tokens ending in such a head word is one name (市委市政府督查办公室,
全国文明城市誓师大会, 市应急管理局).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator

from wenji.tasks.enrich import orgs
from wenji.tasks.enrich.orgs import dictionary_orgs, org_names
from wenji.tasks.records import Entity, Sentence

PLACE_POS = frozenset({"ns"})

PERSON_POS = frozenset({"nr", "nrfg", "nrt"})
# jieba tags many ordinary words nr (红旗, 文明); dictionary-known full names are nrfg/nrt.
TRUSTED_PERSON_POS = frozenset({"nrfg", "nrt"})
# A plain-nr token counts as a person only right before one of these titles (张三同志, 李四书记).
PERSON_TITLES = frozenset(
    {"同志", "书记", "总书记", "副书记", "主席", "总理", "市长", "县长", "区长", "省长", "镇长", "乡长"}
    | {"主任", "部长", "局长", "处长", "科长", "厅长", "委员", "代表", "先生", "女士", "院长", "校长"}
)
# jieba's dictionary tags hundreds of common words ns (城市, 美丽, 东西, 普及), so a place must also end
# in an administrative suffix or be one of the province-level names (bare or with its suffix).
_PLACE_SUFFIX_RE = re.compile(r"[省市县区州盟旗镇乡村]$")
# Words that point at a place without naming one (全市, 本县, 各乡镇, 我市); 全椒县 and 本溪市 are real,
# so 全/本 are listed as words, not as prefixes.
NOT_PLACE = frozenset(
    {"城市", "省市", "县区", "城区", "社区", "园区", "景区", "新城", "乡村", "农村", "乡镇", "城镇", "村镇"}
    | {"全市", "全县", "全省", "全区", "全镇", "全乡", "本市", "本县", "本省", "本区", "本镇"}
)
NOT_PLACE_PREFIXES = ("各", "我", "该", "市辖")
PROVINCES = frozenset(
    {"中国", "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江"}
    | {"安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南"}
    | {"陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门"}
)

# Tokens that may stand inside an organisation or meeting name before its head word.
NAME_PART_POS = frozenset({"n", "nz", "nt", "ns", "nr", "j", "vn", "nrt", "nrfg"})
# Tokens a name may start with: names and abbreviations, or an administrative level (市 文明办).
ANCHOR_POS = frozenset({"nt", "ns", "nz", "j"})
ANCHOR_WORDS = frozenset({"省", "市", "县", "区", "镇", "乡", "村", "中央", "国家", "国务院", "全国", "全省"})
NOUN_POS = frozenset({"n", "nz", "nt", "ns", "j"})

_ORG_HEAD_RE = re.compile(
    r"(?:[省市县区镇乡村州]委|党委|党组|党工委|纪委|政府|办公室|办公厅|委员会|领导小组|工作组|指挥部|"
    r"宣传部|组织部|统战部|政法委|[^\W\d_]{2,}局|厅|[^\W\d_]{2,}办|法院|检察院|人大|政协|联合会|协会|"
    r"公司|集团|银行|大学|学院|医院|中心)$"
)
_MEETING_HEAD_RE = re.compile(
    r"(?:会议|大会|全会|党代会|座谈会|推进会|部署会|工作会|汇报会|动员会|例会|年会|论坛|峰会|"
    r"博览会|交流会|现场会|调度会|培训班)$"
)
# Heads that name a kind of body, not a body: they need the modifier before them (督查 + 办公室).
GENERIC_HEADS = frozenset(
    {"会议", "大会", "全会", "例会", "年会", "论坛", "峰会", "工作会", "领导小组", "工作组", "指挥部"}
    | {"座谈会", "推进会", "部署会", "汇报会", "动员会", "交流会", "现场会", "调度会", "博览会", "培训班"}
    | {"中心", "政府", "办公室", "办公厅", "委员会", "协会", "联合会", "公司", "集团", "银行", "医院"}
    | {"管理局", "大学", "学院", "法院", "厅"}
)
# Words ending like an organisation that are not one: 格局 is a pattern, 大局 the big picture (also as
# the end of a longer word: 新发展格局), 督办 a verb.
NOT_ORG_ENDINGS = ("格局", "布局", "大局", "全局", "结局", "开局", "变局", "时局", "定局", "僵局", "出局")
NOT_ORG = frozenset(
    {"核心", "重中之重", "督办", "承办", "创办", "主办", "协办", "举办", "查办", "盯办", "包办"}
)
# Longer candidate names are almost always two names or a name plus context run together.
MAX_NAME_CHARS = 20


def warm_up() -> None:
    dictionary_orgs()
    orgs.warm_up()


def _head_kind(word: str, pos: str) -> str | None:
    """ "org" or "meeting" when the token can end a name, else None."""
    if pos not in NOUN_POS or word in NOT_ORG or word.endswith(NOT_ORG_ENDINGS):
        return None
    if _MEETING_HEAD_RE.search(word):
        return "meeting"
    # ……化 words are processes (日常化, 现代化) even where a dictionary tags them nt.
    if _ORG_HEAD_RE.search(word) or (pos == "nt" and word in dictionary_orgs() and word[-1] != "化"):
        return "org"
    return None


# Token classes for the name pattern scan.
OUTSIDE, PART, HEAD = 0, 1, 2
# Distinct (word, tag) pairs whose class is remembered per process.
TOKEN_CLASS_CACHE_SIZE = 1 << 18


@functools.lru_cache(maxsize=TOKEN_CLASS_CACHE_SIZE)
def _token_class(word: str, pos: str) -> int:
    if _head_kind(word, pos):
        return HEAD
    return PART if pos in NAME_PART_POS else OUTSIDE


# The scans of `find_entities` run as regexes and string searches over strings per document holding one
# code per token, instead of Python loops over the tokens. A code gives the token's class for the name
# patterns (o outside, p part, h head) and for the POS names: t a dictionary person name, n an nr token
# (a person before a title), s a place, S a place that also ends an organisation name. Sentences are
# separated by an outside token. Each token's code comes with its `orgs.head_code`, in one cached
# two-character string, so one lookup per token serves all scans.
_PATTERN_CODES = "oph"
_NAME_RUN_RE = re.compile(r"[phtnsS]*[hS]")  # a run of name parts up to its last head
_POS_NAME_RE = re.compile(r"[tnsS]")
_SEPARATOR: tuple[str, str] = ("", "")


class _TokenCodes(dict[tuple[str, str], str]):
    """(word, tag) -> code + head code, filled on first sight (a known token costs one dict lookup in C)."""

    def __missing__(self, token: tuple[str, str]) -> str:
        word, pos = token
        cls = _token_class(word, pos) if token != _SEPARATOR else OUTSIDE
        if len(word) < 2:
            code = _PATTERN_CODES[cls]
        elif pos in TRUSTED_PERSON_POS:
            code = "t"
        elif pos in PERSON_POS:
            code = "n"
        elif is_place(word, pos):
            code = "S" if cls == HEAD else "s"
        else:
            code = _PATTERN_CODES[cls]
        codes = code + orgs.head_code(word, pos)
        if len(self) < TOKEN_CLASS_CACHE_SIZE:
            self[token] = codes
        return codes


_token_codes = _TokenCodes()


def _name_start(words: list[str], tags: list[str], run_start: int, head: int) -> int:
    """Where the name ending at `head` starts: at the first anchor of the run that keeps the name within
    `MAX_NAME_CHARS`; without one, one modifier token before a generic head (督查 + 办公室), else the
    head alone (对准 + 党组织 is a segmentation slip, not a name)."""
    for k in range(run_start, head):
        if (tags[k] in ANCHOR_POS or words[k] in ANCHOR_WORDS) and sum(
            len(w) for w in words[k : head + 1]
        ) <= MAX_NAME_CHARS:
            return k
    if words[head] in GENERIC_HEADS and head > run_start:
        return head - 1
    return head


def pattern_names(words: list[str], tags: list[str], codes: str) -> Iterator[tuple[int, str, str]]:
    """(token index, name, "meeting") for meetings: runs of name-part tokens ending in a meeting head
    word, over a document's tokens (`codes`: see `_TokenCodes`). Organisations: see `org_names`.

    A run of `NAME_PART_POS` tokens gives one name, ending at its last head token and starting as
    `_name_start` says (市委 市政府 督查 办公室 → 市委市政府督查办公室; 市 应急 管理局 → 市应急管理局).
    A bare generic head (会议, 办公室) is not a name. Misses names cut by the segmenter into verbs
    (县委巡察办: 巡察/办 are tagged v) and names with a function word inside (中国共产党的……); may
    glue two adjacent names (人大政协) or a preceding noun to a name.
    """
    for m in _NAME_RUN_RE.finditer(codes):
        start, head = m.start(), m.end() - 1
        if _head_kind(words[head], tags[head]) != "meeting":
            continue  # organisations: see org_names
        name = "".join(words[_name_start(words, tags, start, head) : head + 1])
        if name not in GENERIC_HEADS:
            yield start, name, "meeting"


def is_place(word: str, pos: str) -> bool:
    """An ns token that ends in an administrative suffix (泽州, 晋城市) or is a province-level name.

    Misses cities and counties named without their suffix (晋城, 长安) and foreign places; these come
    through only as part of organisation names.
    """
    if pos not in PLACE_POS or word in NOT_PLACE or word.startswith(NOT_PLACE_PREFIXES):
        return False
    return _PLACE_SUFFIX_RE.search(word) is not None or word in PROVINCES or word[:-1] in PROVINCES


def pos_names(words: list[str], codes: str) -> Iterator[tuple[int, str, str]]:
    """(token index, name, kind) for person and place tokens of a document (`codes`: see `_TokenCodes`).

    People: dictionary names (nrfg/nrt) and nr tokens followed by a title (同志, 书记, 主任 …); a
    bare nr token is usually a common word jieba guessed as a name. Places: see `is_place`. Misses
    names the dictionary does not know and that stand without a title, and names written with a
    space or a placeholder (X 同志 is a template slot, not a person).
    """
    for m in _POS_NAME_RE.finditer(codes):
        k, code = m.start(), m.group()
        if code == "t" or (code == "n" and words[k + 1] in PERSON_TITLES):
            yield k, words[k], "person"
        elif code in "sS":
            yield k, words[k], "place"


def find_entities(sentences: list[Sentence]) -> list[Entity]:
    """People, places, organisations and meetings of a document, most mentioned first."""
    # The document's tokens, an empty one after each sentence, in one loop (2x faster than chained iterators).
    words: list[str] = []
    tags: list[str] = []
    starts: list[int] = []  # each sentence's first token
    for s in sentences:
        starts.append(len(words))
        words += s.words
        words.append("")
        tags += s.pos
        tags.append("")
    both = "".join(map(_token_codes.__getitem__, zip(words, tags, strict=True)))
    codes, head_codes = both[::2], both[1::2]

    def sentence_of(k: int) -> int:
        return bisect.bisect_right(starts, k) - 1

    # In document order, and within a sentence the name patterns before the POS names, as counted first.
    hits = sorted(
        [(sentence_of(k), 0, k, name, kind) for k, name, kind in pattern_names(words, tags, codes)]
        + [(sentence_of(k), 0, k, name, "org") for k, name in org_names(words, tags, head_codes)]
        + [(sentence_of(k), 1, k, name, kind) for k, name, kind in pos_names(words, codes)]
    )
    counts: dict[tuple[str, str], int] = {}
    first: dict[tuple[str, str], int] = {}
    for sentence, _, _, name, kind in hits:
        key = (name, kind)
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, sentences[sentence].sentence_no)
    entities = [Entity(text, kind, n, first[text, kind]) for (text, kind), n in counts.items()]
    entities.sort(key=lambda e: (-e.count, e.first_sentence_no, e.text))
    return entities
