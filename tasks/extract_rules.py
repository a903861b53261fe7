"""Selectors, patterns and thresholds for extraction, cleaning and splitting (like trafilatura `settings.py`).

Everything here is site-agnostic: tag names, generic class/id words used by many CMSs, and Chinese labels
that portals, government sites and news sites print around their text. Lengths are counted in characters
(one Chinese character = one character) and were calibrated on the pages in `tests/corpus/pages` and on
the seed page: Chinese headings and titles are almost always under 40 characters, while body paragraphs
run to hundreds.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------------------------------------- DOM shape

# Subtrees that never hold main text; dropped before anything is measured.
DROP_TAGS = frozenset(
    {
        "script", "style", "noscript", "iframe", "template", "svg", "canvas", "object", "embed",
        "select", "option", "button", "input", "textarea", "head", "link", "meta", "map", "audio", "video",
    }
)  # fmt: skip

# Elements that start a new line of text; everything else is inline and joins its neighbours.
BLOCK_TAGS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote",
        "pre", "section", "article", "main", "header", "footer", "aside", "nav", "table", "tbody", "thead",
        "tfoot", "tr", "caption", "center", "form", "fieldset", "figure", "figcaption", "address", "hr",
        "body", "html", "details", "summary", "legend",
    }
)  # fmt: skip
# Table cells: a row of data cells becomes one line, cells joined by CELL_SEPARATOR ("2024年\t123\t55"), so
# a table reads as one row per line. A tab, not " | ": the bar was text that is not on the page (the bag-of-
# characters score and full-text search saw it), while a tab is whitespace that still marks the column break.
# The walk writes CELL_MARK (a control character no page text keeps: the walk folds all whitespace runs, and
# cleaning drops control characters) and turns it into the tab after folding, so only cell breaks stay tabs;
# cleaning folds every other space but keeps tabs (SPACES_RE).
CELL_TAGS = frozenset({"td", "th"})
CELL_SEPARATOR = "\t"
CELL_MARK = "\x1f"
# A data cell (see `is_data_cell`) is short: its blocks (`<p align="center">`, `<br>`) join into one cell
# text. Longer cells, or cells holding a heading, list, preformatted text or a table, are layout cells (old
# government and 范文 sites put the whole page in a table), whose blocks stay lines of their own. Table header
# cells run to ~30 characters; two short paragraphs of a layout cell already pass 80, article cells run to
# thousands. A longer data cell is not lost: it only gets a line of its own.
DATA_CELL_MAX_CHARS = 80
DATA_CELL_MAX_BLOCKS = 4
# Nodes looked at before giving up on a cell (keeps the check O(1) per cell on huge layout cells).
DATA_CELL_MAX_NODES = 60
LAYOUT_CELL_TAGS = frozenset({"table", "td", "th", "li", "pre", "h1", "h2", "h3"})
# Block containers that may be chosen as the main-text container.
CONTAINER_TAGS = frozenset(
    {"div", "td", "article", "section", "main", "body", "center", "table", "tbody", "form"}
)
HEADING_TAGS = frozenset({"h1", "h2", "h3"})
# `best_sibling_run`: asked only when the best whole element holds less than this share of the page's
# positive line value. Measured on the 100 dev pages: an article in a wrapper of its own holds 0.40-1.0
# (lowest gne-hexun-1, 0.40); the page whose paragraphs are loose beside a link box, 0.21 (cx-163-70) ...
RUN_TRIGGER_SHARE = 0.35
# ... and the run replaces that element only when worth this many times as much. On pages with a wrapper
# the best run is worth at most 1.23x the best element (the wrapper minus negative edges, which line
# filtering drops anyway); on cx-163-70, 2.54x.
RUN_MIN_GAIN = 1.5
# `joined_top_level_blocks`: blocks directly under these may be joined with the chosen one ...
TOP_LEVEL_TAGS = frozenset({"body", "html"})
# ... asked only when the chosen block holds less than this share of the page's positive value (the
# message-table page: 0.57; articles in one block hold nearly all of it) ...
TOP_SIBLING_TRIGGER_SHARE = 0.8
# ... and a sibling joins when worth at least this share of the chosen block (the reply form: 0.75).
TOP_SIBLING_MIN_SHARE = 0.3
# Whole subtrees whose semantics say "not the text": they still count (negatively) for container choice.
BOILERPLATE_TAGS = frozenset({"nav", "footer", "aside"})

# Generic class/id words for comment, share and navigation widgets (readability's "unlikely candidates",
# narrowed to words that are unambiguous on Chinese CMSs). Matched as whole words inside class/id values.
BOILERPLATE_ATTR_RE = re.compile(
    r"(?:^|[\s_-])(?:comments?|pinglun|reply|share|bdshare|jiathis|social|breadcrumbs?|crumbs?|"
    r"footer|copyright|sidebar|navbar|nav|menu|topbar|advert|ads?|guanggao|related|recommend|"
    r"hot-?list|xiangguan|tuijian|tags?|keywords?)(?:$|[\s_-])",
    re.IGNORECASE,
)
# `acquitted_hint_holders`: an element condemned by its own class/id is read as content again when it holds
# this share of the page's prose characters. A real widget (comments, related summaries) next to an article
# holds well under half; the wrappers that condemned whole pages (ifeng's js_img_share_area) hold 95-100%.
HINT_ACQUIT_PROSE_SHARE = 0.8
# Walks of one page at most: the first, and re-walks for hints nested in an acquitted wrapper.
HINT_MAX_WALKS = 3
# Never treat these as boilerplate widgets even if their class says so (`<body class="nav-open">`).
NEVER_BOILERPLATE_TAGS = frozenset({"html", "body", "main", "article"})
# Code line-number gutters (`is_line_number_gutter`): lists of 1, 2, 3 … beside a `<pre>`, or a `<pre>` of
# nothing but them. A lone "1" in a `<pre>` could be real output, so a bare `<pre>` needs two lines.
GUTTER_TAGS = frozenset({"ul", "ol", "pre"})
GUTTER_MIN_LINES_ALONE = 2
# Inline styles that hide an element for good. `visibility: hidden` is deliberately absent: pages that reveal
# their text by script once it is laid out (WeChat's `#js_content`, fade-in article bodies) ship the whole
# article under it, while widgets are hidden with `display: none`.
HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none", re.IGNORECASE)

# ------------------------------------------------------------------------------------------- line scoring

# A line whose linked characters exceed this share is navigation, a related list or a tag cloud.
# Real paragraphs with an inline link or two stay far below 0.3; lists of article links are near 1.0.
LINK_DENSITY_MAX = 0.5
# Lines at least this long count as content even without punctuation (e.g. a poem line block);
# shorter punctuation-free lines (headings, labels, nav words) are neutral for container choice.
NEUTRAL_LINE_MAX_CHARS = 40
# Sentence-internal and terminal punctuation that marks running Chinese prose.
PROSE_PUNCT_RE = re.compile(r"[，。！？；：、,;!?]")
# List pages with teasers (link title, then a summary paragraph, repeated) read like prose. This many
# link-title + teaser pairs, covering this share of the container's prose lines, mark a list page. Articles
# with an attachment list have consecutive links without teasers, so they do not count.
LIST_MIN_TEASERS = 3
LIST_MIN_TEASER_SHARE = 0.5
# One teaser cut off with an ellipsis ("……安排部...") is enough: article paragraphs are not truncated.
TRUNCATED_TEASER_RE = re.compile(r"(?:\.{3}|…{1,2})$")
# A link line this long is an article title, not a "more" or page-number link.
LINK_TITLE_MIN_CHARS = 6
# `is_dated_link_item`: a related-news item (headline link and date) is at most this long; the 163.com
# 延伸阅读 items run to 30 characters with a 10-character date.
DATED_ITEM_MAX_CHARS = 60
# Fewer main-text characters than this (CJK + letters + digits) means "no main text on this page".
MIN_MAIN_TEXT_CHARS = 20

# Metadata labels printed next to the text: "发布时间：", "来源：", "作者：", "浏览次数：" …
# Bare 时间/地点 are deliberately absent: notices use "时间：3月29日" as content.
META_LABEL_RE = re.compile(
    r"(?:^|[\s\]】|｜)])(?:发布时间|发布日期|发表时间|发表日期|更新时间|更新日期|发稿时间|时间|日期|"
    r"来源|信息来源|文章来源|稿件来源|作者|编辑|责任编辑|审核|审校|校对|供稿|浏览次数|浏览量|阅读次数|阅读量|"
    r"点击数|点击量|点击|浏览|阅读|字号|字体|影响了|发布者|发布人|发布机构|发文机关|索\s*引\s*号|"
    r"主题分类|主题词|成文日期|发文字号|文\s*号|有\s*效\s*性|公开方式|公开范围|所属机构|体裁分类|"
    r"组配分类|服务对象|信息分类|生效日期|废止日期|责编|制定机关|法律性质|时效性|效力位阶|效力级别|公布日期|施行日期)\s*[:：]"
)
# A byline: a short line with a full date and a word such as 发表/来源/阅读
# ("发表于 2023年11月5日 · 阅读(3562)").
# A date alone stays: it is the date line under a notice's signature.
BYLINE_WORD_RE = re.compile(r"发布|发表|来源|作者|编辑|阅读|浏览|点击|分类|更新|栏目|评论")
# Credits written with slashes or bars instead of colons: "编辑|禤志杰", "摄影/张艳  编辑/苏芳" (two pairs on
# a line, or one at its start, make it a credit line; "图/文" alone in prose does not).
CREDIT_PAIR_RE = re.compile(
    r"(?:^|\s)(?:编辑|责编|校对|审核|审校|供稿|撰稿|撰文|摄影|来源|作者|文|图)\s*[/／|｜]\s*[\u4e00-\u9fffA-Za-z]"
)
CREDIT_LINE_START_RE = re.compile(
    r"^(?:编辑|责编|校对|审核|审校|供稿|撰稿|撰文|摄影|来源|作者)\s*[/／|｜]\s*\S"
)
# Metadata lines are short; a long paragraph that happens to contain "来源：" is prose.
META_LINE_MAX_CHARS = 90
# "发布时间" style lines must start with a label; bare "时间：" only counts when a second label follows.
META_LINE_START_RE = re.compile(
    r"^[\[【（(]?\s*(?:发布时间|发布日期|发表时间|发表日期|更新时间|发稿时间|来源|信息来源|文章来源|稿件来源|"
    r"作者|编辑|责任编辑|责编|浏览次数|阅读次数|点击数|字号|发布者|发布机构|发文机关|索\s*引\s*号|主题分类|"
    r"成文日期|发文字号|有\s*效\s*性|公开方式|所属机构|制定机关|公布日期|施行日期)\s*[:：]"
)

# The "you are here" label before a breadcrumb: 当前位置, 您的位置, 您现在的位置, 您当前所在位置, 位置 …
HERE_LABEL = r"(?:您|你)?(?:当前|现在|目前)?(?:所在)?的?位置"

# Short lines that are widgets whatever their position: share bars, print/close links, font-size pickers,
# copyright and ICP footers, breadcrumbs.
WIDGET_LINE_RES = (
    re.compile(rf"^{HERE_LABEL}\s*[:：]"),
    re.compile(r"^(?:首\s*页|网站首页|主页)\s*[>›»→＞/]"),
    re.compile(
        r"分享到|一键分享|扫一扫|扫描二维码|识别二维码|长按二维码|微信扫|打印本页|打印此页|关闭窗口|关闭本页|收藏本页|加入收藏"
    ),
    re.compile(r"【?\s*字体\s*[:：]?\s*[\[【]?\s*大\s*[\]】]?\s*[\[【]?\s*中\s*[\]】]?\s*[\[【]?\s*小"),
    re.compile(
        r"copyright|©|版权所有|ICP|备案号|公网安备|网安备|技术支持\s*[:：]|主办单位\s*[:：]|承办单位\s*[:：]",
        re.I,
    ),
    re.compile(r"^(?:相关热词搜索|热词搜索|标签|关键词|关键字|Tags?|TAG)\s*[:：]", re.I),
    re.compile(r"^(?:上一篇|下一篇|上一页|下一页|上篇|下篇|返回列表|返回顶部|返回首页)"),
    re.compile(r"^共\s*\d+\s*页"),
    re.compile(r"^(?:本文|文章)?(?:链接|地址|网址)\s*[:：]\s*https?://"),
    # News sites' correction link next to the editor's name: "【纠错】 【责任编辑:李某】".
    re.compile(r"^[\[【]\s*纠错\s*[\]】]"),
    # The print-edition reference under a reprinted article: "《 人民日报 》（ 2024年03月25日 13 版）".
    re.compile(r"^《\s*[^》]{2,15}\s*》\s*[（(][^）)]{0,30}\d+\s*版\s*[）)]$"),
    # 范文 portals' lead-in before the text: "以下是小编为大家收集的……，仅供参考，欢迎大家阅读。"
    re.compile(
        r"^(?:以下|下面|本文)是?[^。！]{0,20}(?:小编|本站)[^。！]{0,60}(?:整理|收集|搜集|分享|推荐|带来|精选)"
    ),
    # A WeChat account's follow menu pasted under its articles: "扫描下方二维码解锁更多技能",
    # "1、回复【社保】查询社保缴纳记录", "看都看完了，点【在看】试试", "点击菜单栏【便民服务】解锁更多服务！".
    re.compile(r"^\d{1,2}\s*[、.．]\s*回复\s*[【\[「]"),
    re.compile(r"扫描(?:下方|上方)的?二维码|点\s*[【\[「]?\s*在看|点击菜单栏|点个在看"),
    # Buttons left alone on their line at the top of an article: font size, follow the author.
    re.compile(r"^(?:字号|[+＋]?\s*关注|已关注)$"),
    # An ad slot's label ("广告", "推广"), left alone on its line once the ad's image or links are gone.
    re.compile(r"^[\[【（(]?\s*(?:广告|推广|赞助|AD|Ad)\s*[\]】）)]?$"),
    # The button of a collapsed article ("展开阅读全文 ∨"): the collapsed text itself is in the HTML and kept.
    re.compile(
        r"^(?:点击)?(?:展开|查看|阅读|余下|继续阅读)(?:阅读)?(?:全文|剩余全文|剩余内容|更多)?\s*[∨>»↓︾⌄▼+]*$"
    ),
)


def _alternation(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str]:
    """Several patterns as one (case-insensitive ones scoped): one regex call per line instead of one each."""
    return re.compile(
        "|".join(f"(?{'i' if rx.flags & re.IGNORECASE else ''}:{rx.pattern})" for rx in patterns)
    )


# The patterns above in two alternations: those anchored at the start, tried at the first character only
# (`match`), and the rest, searched for. One search over all of them retried every anchored branch at every
# character, which made this the costliest line check.
WIDGET_LINE_START_RE = _alternation(tuple(rx for rx in WIDGET_LINE_RES if rx.pattern.startswith("^")))
WIDGET_LINE_ANYWHERE_RE = _alternation(tuple(rx for rx in WIDGET_LINE_RES if not rx.pattern.startswith("^")))
WIDGET_LINE_MAX_CHARS = 120

# Headings that open the block after the main text: related lists, comments, tags, prev/next links.
# The first such short line after some prose ends the main text.
# Reply counts open a comment list too: "3条评论", "全部回复(12)", "留言 (5)".
TAIL_MARKER_RE = re.compile(
    r"^[\[【「]?\s*(?:相关热词搜索|热词搜索|相关文章|相关阅读|相关推荐|相关新闻|相关链接|推荐阅读|延伸阅读|"
    r"热门文章|热门推荐|热点文章|最新文章|最新更新|猜你喜欢|你可能感兴趣|您可能感兴趣|精彩推荐|"
    r"网友评论|发表评论|评论列表|全部评论|最新评论|热门评论|我要评论|评论\s*[（(]\s*\d|"
    r"\d+\s*条(?:评论|回复|留言)|(?:全部|最新|热门)?(?:回复|留言)\s*[（(]\s*\d|"
    r"上一篇|下一篇|分享到)"
)
TAIL_MARKER_MAX_CHARS = 80
# `is_related_heading`: synonyms of 相关新闻 that sites put over the same related or more-news box
# (重点推荐 on 163.com 2015 pages, 相关报道, 往期回顾 …). Unlike TAIL_MARKER_RE these words also open
# ordinary sentences ("相关报道称，……", "重点推荐以下三类项目："), so they count only as a whole heading
# line: the word, optional brackets or a colon, and at most a "更多" link after it.
RELATED_HEADING_RE = re.compile(
    r"^[\[【「]?\s*(?:重点推荐|编辑推荐|今日推荐|热点推荐|精彩阅读|相关报道|相关稿件|相关专题|相关资讯|相关内容|"
    r"相关图集|热门资讯|热点新闻|热门新闻|更多新闻|更多阅读|更多精彩|往期回顾|往期推荐|往期精彩|看了又看|大家都在看)"
    r"\s*[\]】」]?\s*[:：]?\s*(?:(?:更多|查看更多|MORE)[^，。！？]{0,16}|[>»＞]+)?$",
    re.IGNORECASE,
)
# The tail markers that head a box of related links. 范文 and news sites also put such a box between two
# paragraphs (`is_mid_article_box`); comment and prev/next markers never sit inside the text.
RELATED_BOX_MARKER_RE = re.compile(
    r"^[\[【「]?\s*(?:相关文章|相关阅读|相关推荐|相关新闻|相关链接|推荐阅读|延伸阅读|热门文章|热门推荐|"
    r"热点文章|最新文章|猜你喜欢|你可能感兴趣|您可能感兴趣|精彩推荐)"
)
# A related box is a handful of link lines (3-8 titles, a heading and an ad line on top); a longer run of
# links after the marker is a real tail list.
MID_BOX_MAX_LINES = 12
# After a mid-article box the text resumes within a few lines (a heading "二、存在的不足" may come first) ...
MID_BOX_RESUME_WITHIN_LINES = 3
# ... and goes on for at least a short paragraph's worth of prose (the shortest body paragraph after a box on
# the dev set is 60 characters; a stray disclaimer line is not counted, see `is_reprint_notice`) ...
MID_BOX_MIN_PROSE_AFTER = 50
# ... with at most one link title per this many prose lines: a tail list of teasers (title, summary, title,
# summary …) has one per prose line, the resumed article none or a stray one.
MID_BOX_PROSE_PER_LINK = 3

# Paywall prompts: the paid rest of the article is not on the page, so the prompt ends the text (the price
# list, the "开通会员" button and the login prompt after it go with it).
PAYWALL_RE = re.compile(
    r"(?:订阅|购买|开通|登录|解锁)[^。！？]{0,12}后[^。！？]{0,4}(?:阅读|查看|收听|解锁)|付费内容|付费阅读|"
    r"会员专享|会员可读|剩余\s*约?\s*\d+\s*%|已是会员|已订阅|已购买|开通会员|立即订阅|订阅专栏|"
    r"阅读全文需|[¥￥]\s*\d+(?:\.\d+)?\s*/\s*(?:年|月|季|周)"
)
PAYWALL_LINE_MAX_CHARS = 40

# A comment's header under an article: a user name and a time ("绿萝不萝 04-02 12:31", "网友 江南烟雨
# 2024-02-22 09:03:51", "老周种花 3天前", "张三 · 回复于 昨天 18:20 · IP属地：浙江"). The time must carry a
# time of day or be relative: a bare date after a name is a notice's signature
# ("某某县人民政府 2024年3月29日").
RELATIVE_TIME_RE = re.compile(r"刚刚|\d+\s*(?:秒|分钟|小时|天)前|(?:昨天|前天|今天)\s*\d{1,2}[:：]\d{2}")
# Words of a comment header that are not the name.
COMMENT_HEADER_NOISE_RE = re.compile(
    r"IP\s*属地\s*[:：]?\s*\S{0,6}|(?:发表|回复|评论)于|发表|网友|#\d+|\d+\s*楼|楼主|作者|[·•|｜]",
    re.IGNORECASE,
)
COMMENT_HEADER_MAX_CHARS = 50
COMMENT_NAME_MAX_CHARS = 24
# A dated byline ("沙发 发表于 2024-5-12 20:45:10") after this much prose opens the next post or comment of a
# thread, so it ends the main text. Below it the byline still belongs to the article's own header (a title
# with a comma counts as prose, so the threshold must exceed a title's length).
NEXT_POST_MIN_PROSE_CHARS = 100
# `is_full_sentence`: a line that, without its dates, still holds this many Chinese characters and ends a
# sentence (。！？) is a sentence, not a byline, whatever byline words it has: a maintenance banner
# "【2024-03-29】本站将于今晚22:00进行系统升级，届时暂停更新，敬请谅解。"
# (25 of its own). Of the 230 lines that read as bylines (short, dated, a byline word) on the dev pages
# and all 136 saved pages of the two source repositories, none ends in 。！？; 12 is a short clause, above
# a bare "本站已更新。".
FULL_SENTENCE_MIN_CJK = 12
FULL_SENTENCE_END_RE = re.compile(r"[。！？!?][”’\"')）】\]]*$")

# Table-of-contents headings (matched on the line without spaces: "目　　录" -> "目录").
TOC_HEADING_RE = re.compile(r"^(?:文章目录|本文目录|目录|contents|tableofcontents)[:：]?$", re.IGNORECASE)

# Provenance notes at the very start or end of an article (`is_provenance_line`): "原标题：……" and short
# fully bracketed notes with one of these words ("（选自《番禺文史资料》第十八辑）"): words about where the
# text comes from or who handled it. Not "有删节" alone: "（本文根据会议录音整理，有删节）" describes the
# document itself and stays with it.
PROVENANCE_MAX_CHARS = 80
ORIGINAL_TITLE_RE = re.compile(r"^[（(【\[]?\s*(?:本文)?原标题\s*[:：]")
BRACKETED_LINE_RE = re.compile(r"^[（(【\[].*[）)】\]]$")
PROVENANCE_WORD_RE = re.compile(
    r"稿件|来源|选自|摘自|转自|转载|供稿|审核|审校|原标题|编辑|责编|授权|首发|原载|刊于|刊载|作者|记者|^.文\s*[/／]"
)
# Reprint and copyright notices, bracketed or not ("本文经作者授权发布，未经许可不得转载。",
# "转载请注明出处：……", "版权归原作者所有，如有侵权请联系删除。"): wording that only such notices use,
# unlike 来源 or 编辑 alone ("数据来源于国家统计局。" is text).
REPRINT_NOTICE_RE = re.compile(
    r"未经[^。，；]{0,8}(?:许可|授权|允许|同意)[^。；]{0,8}(?:不得|禁止|严禁|请勿|谢绝)[^。；]{0,6}(?:转载|复制|使用)|"
    r"转载请(?:注明|联系|保留|务必)|(?:禁止|谢绝|严禁)[^。，]{0,4}转载|版权归[^。，；]{0,12}所有|如有侵权|侵权请?(?:联系|告知)|"
    r"^本文(?:经|已获|获)[^。，；]{0,16}授权|^本文(?:转载|转自|来源|来自|摘自|选自)|^(?:文章|内容)(?:来源|转载)于?[:：]"
)
REPRINT_NOTICE_MAX_CHARS = 120
# Disclaimers under an article: "本文仅为作者观点，不代表网易立场。", "免责声明：本文来自腾讯新闻
# 客户端自媒体，不代表腾讯网的观点和立场。", "……澎湃新闻仅提供信息发布平台。" Same role as a reprint
# notice (`is_reprint_notice`).
DISCLAIMER_RE = re.compile(
    r"不代表[^。；]{0,12}(?:观点|立场|看法)|仅代表[^。；]{0,8}(?:观点|看法|立场)|仅提供信息(?:发布|存储)?(?:平台|空间)?服务?|"
    r"^(?:免责|版权|法律|特别|郑重|重要)声明\s*[:：]"
)
# `trailing_notice_start`: a site's legal or copyright notice after the article, as several lines: a heading
# (特别声明, 免责声明, 版权声明 …), numbered clauses, contact lines. Only a block at the very end of the text
# counts, of at most this many lines (gne-thepaper-2: contact line, heading, disclaimer = 3; a portal's
# 免责声明 heading, three clauses and a contact line = 5) ...
NOTICE_BLOCK_MAX_LINES = 8
NOTICE_HEADING_RE = re.compile(
    r"^[\[【「]?\s*(?:特别|免责|版权|法律|郑重|重要)?声明\s*[\]】」]?\s*[:：]?$|^(?:免责条款|版权说明|版权信息)\s*[:：]?$"
)
# ... whose lines are each the heading, a reprint notice or disclaimer, a numbered clause or a contact line
# (e-mail, phone, "联系我们"), none longer than this (thepaper.cn's disclaimer is 58; room for long clauses).
NOTICE_LINE_MAX_CHARS = 200
NOTICE_CONTACT_RE = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+|(?:电话|热线|邮箱|信箱|传真|E-?mail)\s*[:：]|联系(?:我们|电话|方式)|"
    r"(?:0\d{2,3}-?)?\d{7,8}",
    re.IGNORECASE,
)
NOTICE_CLAUSE_RE = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十\d]{1,2}[、.．)）]|第[一二三四五六七八九十]+条)"
)
NOTICE_CLAUSE_WORD_RE = re.compile(
    r"本网|本站|本平台|本号|本公众号|作者|版权|转载|侵权|责任|观点|立场|联系|删除|来源|授权|知识产权|法律"
)

# Edge lines of the text that are not text (`is_edge_note`), besides provenance and reprint notices:
# - a summary or editor's note at the top: "[摘要：……]", "【内容提要】……", "编者按：……" (163.com
#   columns repeat the article's points there; it is the site's, not the author's);
SUMMARY_LINE_RE = re.compile(
    r"^[\[【（(]?\s*(?:内容)?(?:摘要|提要|导读|编者按|编者的话)\s*[\]】）)]?\s*[:：]"
)
# - an author's bio at the end: "作者为科技商业观察家，……", "作者maomaobear，为百略网旗下原创专栏作者。";
AUTHOR_BIO_RE = re.compile(
    r"^[（(]?\s*(?:作者简介\s*[:：]|作者\s*[^，。：:]{0,20}?[，,]?\s*(?:为|系|是|现为|现任|曾任|毕业于))"
)
AUTHOR_BIO_MAX_CHARS = 150
# - an unlabelled reporter line at the end: "扬子晚报记者 张楠", "（记者 王某 通讯员 李某）", "文/张三";
REPORTER_LINE_RE = re.compile(
    r"^[（(【\[]?\s*(?:(?:[^\s，。；！？]{0,10}?记者|通讯员|实习生|撰文|文\s*[/／|｜])\s*[\u4e00-\u9fff·]{2,4}\s*)+"
    r"[）)】\]]?$"
)
REPORTER_LINE_MAX_CHARS = 40
# - date fragments left above the text by a split date widget: "2019", "09/07", "19:02" (top only: a date at
#   the end is a notice's signature date and stays).
DATE_FRAGMENT_RE = re.compile(r"^[\d\s/:：.\-年月日]{1,20}$")

# Counters: a short line made only of label-number pairs ("查看: 8526 | 回复: 37", "阅读 1207 在看 12",
# "12 主题 240 帖子"). Labels are 1-4 Chinese characters; a number before its label needs a space, so
# dates and quantities ("3月29日", "2023年") are not counters, nor are numbered headings ("1. 需求").
# A pair never spans a table-cell break (CELL_SEPARATOR, a tab): "工业投资\t11.2" is a row of a data table.
COUNTER_PAIR_RE = re.compile(
    r"(?:[\u4e00-\u9fff]{1,4} *[:：]? *\d+(?:[.,]\d+)* *[万千wkK]?|\d+(?:[.,]\d+)* +[\u4e00-\u9fff]{1,4})"
)
COUNTER_SEP_RE = re.compile(r"[\s|｜/·•]+")
COUNTER_LINE_MAX_CHARS = 40
# A forum or column tag before a repeated title: "[经验分享] 申论从52到71……", "【原创】……".
TITLE_TAG_PREFIX_RE = re.compile(r"^[\[【][^\]】]{1,8}[\]】]")

# Photo credits under a picture: "新华社记者 张某 摄", "（人民网记者 赵某某摄）", "图/通讯员 李四 摄影".
PHOTO_CREDIT_RE = re.compile(
    r"^[（(【\[]?\s*(?:图\s*[/／:：]?\s*)?[^\s，。；！？,;]{0,10}(?:记者|通讯员|摄影师?|特约摄影)\s*[:：]?\s*"
    r"[\u4e00-\u9fff×·、\s]{1,20}?\s*摄(?:影)?\s*[）)】\]]?$"
)
PHOTO_CREDIT_MAX_CHARS = 40
# Picture sources under a lead picture: "图片来源：视觉中国", "图源：网络", "（图片由受访者提供）",
# a bare "资料图".
IMAGE_SOURCE_RE = re.compile(
    r"^[（(【\[]?\s*(?:(?:图片|配图|题图|封面图?)\s*(?:来源|来自|提供|出处)|图源|图片由\S{1,12}提供|"
    r"(?:资料|网络)(?:图|照)片?\s*[）)】\]]?$)\s*[:：]?"
)
# "附件：2024年度重点任务清单" inside a government document names its attachment; the name is often a download
# link, which must not make the line read as a link list.
ATTACHMENT_LINE_RE = re.compile(r"^附\s*件\s*\d*\s*[:：]\s*\S")
ATTACHMENT_LINE_MAX_CHARS = 100

# Breadcrumb: a labelled line ("当前位置：首页 > 范文大全 > 讲话稿 > 正文")
# or one starting at 首页 with arrows.
BREADCRUMB_LABEL_RE = re.compile(rf"^{HERE_LABEL}\s*[:：]\s*")
BREADCRUMB_START_RE = re.compile(r"^(?:首\s*页|网站首页|主页)\s*-*[>›»→＞]")
BREADCRUMB_SEP_RE = re.compile(r"\s*(?:-+>|=>|>>|[>›»→＞/]|&gt;)\s*")
# Dropped from the path: the site root (every page has it) and trailing "this page" words.
BREADCRUMB_ROOTS = frozenset(
    {"首页", "网站首页", "主页", "首 页", "首頁", "主頁", "網站首頁", "Home", "home", "HOME"}
)
# Unlabelled breadcrumbs ("新闻中心 > 国内新闻 > 正文") are told by shape: `parse_unlabelled_breadcrumb`.
# Arrow separators are breadcrumb-only; "/" also splits menus and dates, so it needs a breadcrumb class.
BREADCRUMB_ARROW_RE = re.compile(r"\s*(?:-+>|=>|>>|[>›»→＞]|&gt;)\s*")
BREADCRUMB_SLASH_RE = re.compile(r"\s+/\s+|(?<=\S)/(?=\S)")
# Supporting evidence on the element (or an ancestor): class/id words CMSs use for the "you are here" line
# (crumb, 面包屑 mianbaoxie/mbx, 位置 weizhi/dqwz, location, position, path) or aria-label="breadcrumb".
BREADCRUMB_ATTR_RE = re.compile(
    r"crumb|mianbao|(?:^|[\s_-])(?:mbx|weizhi|dqwz|location|position|path|curpath|pathnav)(?:$|[\s_-])",
    re.IGNORECASE,
)
# A breadcrumb has a root and at least one section; more than this many steps is a menu.
BREADCRUMB_MAX_PARTS = 7
# Section names are short ("国内新闻", "政策文件"); the last step may be the article title itself.
BREADCRUMB_PART_MAX_CHARS = 16
BREADCRUMB_LEAVES = frozenset(
    {"正文", "内容", "详情", "阅读文章", "文章内容", "正文内容", "浏览文章", "查看文章"}
)

# Tag lines and keyword meta.
TAG_LINE_RE = re.compile(r"^(?:相关热词搜索|热词搜索|标签|关键词|关键字|Tags?|TAG)\s*[:：]\s*(.+)$", re.I)
TAG_SPLIT_RE = re.compile(r"[\s,，、;；|]+")
TAG_MAX_CHARS = 20
MAX_TAGS = 20

# ------------------------------------------------------------------------------------------------ metadata

# The engine credit forum and CMS templates append to <title>: "标题 - 版块 - 站点 - Powered by Discuz!".
CMS_TRAILER_RE = re.compile(r"powered\s+by\b", re.IGNORECASE)
TITLE_SEPARATOR_RE = re.compile(r"\s*(?:_|｜|\||\s[-–—]\s|--|——|(?<![\d\s])-(?![\d\s]))\s*")
TITLE_MIN_CHARS = 4
TITLE_MAX_CHARS = 100
# A heading is the page title when it covers this share of the <title>'s first segment (or vice versa).
TITLE_OVERLAP_MIN = 0.6

PUBLISHED_META_NAMES = (
    "article:published_time",
    "og:published_time",
    "og:release_date",
    "pubdate",
    "publishdate",
    "publish_date",
    "publication_date",
    "published_time",
    "datepublished",
    "dc.date.issued",
    "dc.date",
    "dcterms.issued",
    "firstpublishedtime",
    "sailthru.date",
    "date",
    "article:modified_time",
    "lastmodifiedtime",
)
# Labels before a printed date, best first: 发布 beats 成文 on government pages.
DATE_LABELS = (
    "发布时间",
    "发布日期",
    "发表时间",
    "发表日期",
    "发稿时间",
    "公布日期",
    "时间",
    "日期",
    "发表于",
    "更新时间",
    "成文日期",
)
DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
# "于 2024-03-30 21:14:05 发布", "2024年3月29日 发表": a date right before 发布/发表 is the publication time.
PUBLISHED_SUFFIX = r"\s*(?:发布|发表)"
# JSON-LD keys for the publication date, best first (schema.org; Baidu's cambrian JSON-LD uses pubDate).
JSONLD_DATE_KEYS = ("datePublished", "pubDate", "dateCreated", "uploadDate")
# Keys under which news apps embed the article's time in inline page state (`__INITIAL_STATE__`); used only to
# complete a yearless header date (see `published_from_yearless_line`).
STATE_DATE_KEYS = (
    "ptime", "pubtime", "pubTime", "publishTime", "publish_time", "publishDate", "pubDate", "datePublished",
)  # fmt: skip
# "04-10 18:32", "4月10日 18:32" without a year: a time is required, so a bare "3-1" (a score, a rule
# number) is not taken for a date.
YEARLESS_DATE_RE = re.compile(
    r"(?<![\d/.-])(?P<m>\d{1,2})\s*[-/月]\s*(?P<d>\d{1,2})\s*日?\s+(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?!\d)"
)
# The article header (title, byline, date) is searched for an unlabelled date: up to this many lines back
# from the first paragraph to find the title line, a few lines back when the title is not found, and a few
# lines into the text (a date line right under the lead).
HEADER_MAX_LINES = 12
HEADER_LINES_WITHOUT_TITLE = 5
HEADER_LINES_INTO_TEXT = 3
# An unlabelled date counts only on a short line (a byline), not inside prose.
DATE_LINE_MAX_CHARS = 60
# Timestamps with a zone are turned into Beijing wall time, then stored naive.
LOCAL_UTC_OFFSET_HOURS = 8

# Share of CJK among letters for language "zh".
ZH_MIN_SHARE = 0.3

# ---------------------------------------------------------------------------------------------- cleaning

# Removed outright: zero-width characters, soft hyphen, BOM, bidi marks and C0/C1 controls.
INVISIBLE_CHARS_RE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Every kind of space (newline, nbsp, ideographic space, thin spaces: all of them in a str pattern's `\s`)
# becomes one ASCII space. A tab stays: after extraction the only tabs left are table-cell breaks
# (CELL_SEPARATOR). One negated class, not a tab lookahead before each character: a third of the time.
SPACES_RE = re.compile(r"[^\S\t]+")
# ASCII punctuation right after a Chinese character is a half-width slip: "之年,在" -> "之年，在".
# "." is left alone (decimals, abbreviations, URLs); so are "1,000" and "01:55" (digit before).
ASCII_TO_FULLWIDTH_PUNCT = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
# Latin tokens this short sit next to Chinese without a space ("U型", "5G网络", "第X届", "AI技术"). A token
# is a run of letters and digits joined by "." "_" "-" ("dt.to_period", "Wi-Fi"), so a dotted name is
# judged as one word: "再用 dt.to_period 按月汇总" keeps both spaces, "先用 df 读入" loses both.
LATIN_GLUE_MAX_CHARS = 2
LATIN_TOKEN = r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*"

# Code (`is_code_line`) is left exactly as it is: no full-width marks, no space removal, no joining. A line
# is code when most of its non-space characters are ASCII ("明细" in `sheet_name="明细"` or a Chinese
# comment after "#" still leave well over this share) ...
CODE_MIN_ASCII_SHARE = 0.6
# ... and it has the shape of code: a call or index `f(` `a[`, an assignment or comparison, a statement
# end `;`, braces, attribute access `a.b`, a keyword opening the line, or a comment.
CODE_SHAPE_RE = re.compile(
    r"[A-Za-z_]\w*\s*[(\[]|[^=!<>]=[^=]|[=!<>]=|=>|->|;\s*$|[{}]|[A-Za-z_]\w*\.[A-Za-z_]|"
    r"^\s*(?:def|class|import|from|return|if|elif|else|for|while|print|var|let|const|function|public|"
    r"SELECT|INSERT|UPDATE|DELETE|CREATE|#include|pip|npm|git|cd)\b|^\s*(?:#|//|/\*|\*/)"
)
# Placeholder marks in 范文 templates; they count as Chinese for spacing and are never dropped.
PLACEHOLDER_CHARS = "×○□△＊*"

# A paragraph ending in one of these ends a sentence (or a heading/label line such as "同志们：").
TERMINAL_PUNCT = frozenset("。！？；：…”’」』）)】》〉.!?;:—")
# Sentence ends inside a paragraph: evidence that it is body text, not a heading.
SENTENCE_END_RE = re.compile(r"[。！？；!?;]")
# Body text also has commas; a long line without any is a list or a title, not a broken sentence.
CLAUSE_PUNCT_RE = re.compile(r"[，、。！？；：,;]")
# A paragraph at least this long (with clause punctuation) is body text; headings, titles and salutations
# are shorter. On the corpus the longest heading is 38 characters and the shortest page-broken body line 51.
JOIN_MIN_CHARS = 40
# Outline markers that open headings and list items: 一、 （一） 1. 第一章 一是 二要 ① …
OUTLINE_MARKER_RE = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、.．是要]|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[、.．](?!\d)|"
    r"第[一二三四五六七八九十百\d]+[章节条部分个篇]|[①-⑳]|[【\[]?[篇范例]文?[一二三四五六七八九十\d]+[】\]]?)"
)
# Run-in headings: "一、紧绷决战之弦，坚定创则必成的信心和决心 全国文明城市是……" (heading, space, body).
RUN_IN_HEADING_RE = re.compile(
    r"^((?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])"
    r"[^。！？；!?;\s]{4,36}[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])(.{20,})$"
)

# ---------------------------------------------------------------------------------------------- splitting

# Salutations that open a speech or letter:
# "同志们：", "各位领导、同志们：", "尊敬的各位来宾、亲爱的同事们：".
# Any short line ending in "们：" or opening with 尊敬的/亲爱的/各位 and ending in a colon.
SALUTATION_RE = re.compile(
    r"^(?:(?:尊敬的|亲爱的|各位)[^。！？；!?;]{0,36}|[^。！？；!?;：:]{0,34}(?:们|各位[\u4e00-\u9fff]{1,4}))[：:]$"
)
SALUTATION_MAX_CHARS = 40
# A title line of one piece: short, no sentence punctuation, not an outline heading.
DOC_TITLE_MIN_CHARS = 4
DOC_TITLE_MAX_CHARS = 40
# Short lines allowed between a title and its salutation: speaker, date ("（2024年3月29日）").
TITLE_TO_SALUTATION_MAX_GAP = 2
GAP_LINE_MAX_CHARS = 30
# Numbered 范文 on one page: "篇一：2024年工作总结", "【范文二】", "范文3：".
NUMBERED_PIECE_RE = re.compile(
    r"^[【\[]?(?:篇|范文|例文|样本)[一二三四五六七八九十\d]+[】\]]?\s*[:：]?\s*(?P<title>.*)$"
)
# Text before the first piece shorter than this is a page intro ("以下是小编整理的……") and is dropped;
# longer preambles become a document of their own under the page title.
PREAMBLE_MIN_CHARS = 80

# --------------------------------------------------------------------------- 政府信息公开 table (gov_info.py)


def _spaced(label: str) -> str:
    """A label as printed: CMS templates pad labels to one width ("索 引 号", "标　　题")."""
    return r"[ \u3000\xa0]*".join(label)


# Label -> GovInfo field; None: a label of the same table that is no field (its value is skipped, and it
# ends the value before it). Gathered from the tables of gov.cn (发文机关/发文字号), Hanweb xxgk
# (发布机构/生成日期/信息分类) and TRS WCM (主题分类/有效性) templates.
GOV_INFO_LABELS: dict[str, str | None] = {
    "索引号": "index_no",
    "发布机构": "issuer",
    "发文机关": "issuer",
    "发文单位": "issuer",
    "文号": "doc_no",
    "发文字号": "doc_no",
    "文件编号": "doc_no",
    "成文日期": "written_at",
    "生成日期": "written_at",
    "发布日期": "published_at",
    "公开日期": "published_at",
    "发文日期": "published_at",
    "主题分类": "topic",
    "信息分类": "topic",
    "有效性": "validity",
    "标题": None,
    "名称": None,
    "主题词": None,
    "关键词": None,
    "信息来源": None,
    "公开方式": None,
    "公开范围": None,
    "公开形式": None,
    "体裁分类": None,
    "组配分类": None,
    "服务对象": None,
    "时效": None,
    "失效日期": None,
    "实施日期": None,
}
# A label opens a cell (line start, or after a space/tab) and is followed by a colon, by the cell break or
# by the line's end (tables that print "索引号" in one cell or `<dt>` and the value in the next, no colon).
GOV_INFO_LABEL_RE = re.compile(
    r"(?:^|(?<=[\t \u3000\xa0]))(?P<label>"
    + "|".join(_spaced(label) for label in sorted(GOV_INFO_LABELS, key=len, reverse=True))
    + r")[ \u3000\xa0]*(?:[:：]|(?=\t)|$)"
)
# The table is a run of consecutive label lines that yields this many fields, one of them 索引号 or 文号:
# a byline ("发布日期：… 来源：…") gives one or two and never an index or document number.
GOV_INFO_MIN_FIELDS = 3
GOV_INFO_KEY_FIELDS = frozenset({"index_no", "doc_no"})
# Table rows are short; a longer line is prose that mentions a label ("文号：" quoted in a paragraph).
GOV_INFO_LINE_MAX_CHARS = 200
# Lines without a colon or cell break are only searched for a label when this short (a bare "索 引 号" cell
# or `<dt>`): the label search is a regex of 30 alternatives, not to be run on every paragraph.
GOV_INFO_BARE_LABEL_MAX_CHARS = 8
GOV_INFO_DATE_RE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")

# `footer_site_name`: the site's name from its footer when no meta tag and no title suffix gives one. Only the
# last FOOTER_MAX_LINES lines of the page are read (the dev pages' footers are 1-6 lines) ...
FOOTER_MAX_LINES = 15
# ... a name is 2-30 characters of Chinese, letters, digits, ×, brackets, ending before a separator or the
# next footer label ...
_SITE = r"(?P<name>(?!未经|Copyright|版权)[\u4e00-\u9fff×A-Za-z0-9（）()·]{2,30}?)"
_SITE_END = (
    r"(?=\s|$|[，,。|｜;；]|主办|承办|协办|技术支持|地址|电话|邮编|联系|Copyright|©|"
    r"[A-Za-z\u4e00-\u9fff]?ICP|备案|未经|版权)"
)
# ... tried in this order, the organiser before the copyright holder: "主办单位：××省人民政府办公厅",
# "江城日报社主办", "版权所有：某某县人民政府", "© 2024 新经观察 版权所有", "某市文明网 版权所有".
# A "name" with one of these words is the next footer item, not a name ("版权所有 京ICP证040123号",
# "版权所有 复制必究").
FOOTER_NOT_A_NAME_RE = re.compile(r"ICP|备案|网安备|复制|转载|镜像|必究|授权|保留")
FOOTER_SITE_RES = (
    re.compile(rf"(?:主办单位|主办)\s*[:：]\s*{_SITE}{_SITE_END}"),
    re.compile(rf"(?:^|\s){_SITE}\s*主办{_SITE_END}"),
    re.compile(rf"(?:版权所有|制作单位)\s*[:：]?\s*(?:©\s*)?{_SITE}{_SITE_END}"),
    re.compile(rf"(?:©|Copyright|\(c\))\s*(?:\d{{4}}(?:\s*[-–]\s*\d{{4}})?)?\s*{_SITE}\s*版权所有", re.I),
    re.compile(rf"(?:^|\s){_SITE}\s*版权所有"),
)
