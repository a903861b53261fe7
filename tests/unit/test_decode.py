"""decode_html on real Chinese text in the encodings Chinese sites use, labelled right, wrong or not."""

from __future__ import annotations

import random

import pytest

from wenji.tasks.decode import decode_html, normalize_charset

SPEECH = (
    "同志们：在第X届全国文明城市评选表彰之年，在我市创文工作即将迎来终极大考之时，我们在这里召开决胜全国"
    "文明城市誓师大会，责任重大、意义重大。会议的主要任务是：对决胜全国文明城市进行全面发动、全面部署，"
    "进一步激励全市上下咬定目标、全力以赴、奋力冲刺，以饱满的热情、必胜的信心、扎实的作风投入到这场攻坚战中。"
)
# 镕 is outside GB2312: pages labelled gb2312 contain such characters and must still decode.
RARE = "朱镕基同志在会上强调，要坚持依法行政。"
TRADITIONAL = "政府資訊公開，市民可於網站查詢相關法規與施政報告，歡迎多加利用。臺北市政府感謝您的支持與指教。"


def page(text: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head>{head}<title>决胜全国文明城市誓师大会上讲话</title></head>"
        f"<body><div class='nav'>首页 | 范文大全 | 讲话稿</div><p>{text}</p></body></html>"
    )


META_GBK = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'


def test_gbk_with_header_charset() -> None:
    d = decode_html(page(SPEECH).encode("gbk"), "text/html; charset=GBK")
    assert (d.encoding, d.source, d.bad_bytes) == ("gb18030", "header", 0)
    assert SPEECH in d.text


def test_gbk_with_meta_http_equiv_only() -> None:
    d = decode_html(page(SPEECH, META_GBK).encode("gbk"), "text/html")
    assert (d.encoding, d.source) == ("gb18030", "meta")
    assert SPEECH in d.text


def test_meta_charset_attribute_form() -> None:
    d = decode_html(page(SPEECH, '<meta charset="gb18030" />').encode("gb18030"), None)
    assert (d.encoding, d.source) == ("gb18030", "meta")


def test_gb2312_label_decodes_characters_outside_gb2312() -> None:
    d = decode_html(page(RARE, META_GBK).encode("gbk"), None)
    assert RARE in d.text
    assert d.bad_bytes == 0


def test_gb18030_four_byte_characters() -> None:
    text = "𠮷野家的招牌与“䶮”字" + SPEECH  # 𠮷 needs four bytes in GB18030
    d = decode_html(page(text, '<meta charset="gb18030">').encode("gb18030"), None)
    assert text in d.text and d.bad_bytes == 0


def test_gbk_without_any_declaration_is_detected() -> None:
    d = decode_html(page(SPEECH).encode("gbk"), "text/html")
    assert (d.encoding, d.source) == ("gb18030", "detected")
    assert SPEECH in d.text


def test_short_gbk_page_is_not_taken_for_big5() -> None:
    d = decode_html("<p>讲话稿</p>".encode("gbk"), None)
    assert d.encoding == "gb18030"
    assert "讲话稿" in d.text


def test_big5_declared_and_detected() -> None:
    body = f"<html><head><title>施政報告</title></head><body><p>{TRADITIONAL}</p></body></html>".encode(
        "big5"
    )
    declared = decode_html(body, "text/html; charset=big5")
    detected = decode_html(body, None)
    assert (declared.encoding, declared.source) == ("big5hkscs", "header")
    assert (detected.encoding, detected.source) == ("big5hkscs", "detected")
    assert TRADITIONAL in declared.text and TRADITIONAL in detected.text


def test_big5_label_reads_hong_kong_characters() -> None:
    """Cantonese HKSCS characters under a plain big5 label: plain big5 loses them and the next character."""
    text = "我哋喺附近嘅街市買餸"
    d = decode_html(f"<p>{text}</p>".encode("big5hkscs"), "text/html; charset=big5")
    assert d.encoding == "big5hkscs" and d.bad_bytes == 0
    assert text in d.text


def test_utf8_bom_wins_over_header_and_is_stripped() -> None:
    d = decode_html(page(SPEECH).encode("utf-8-sig"), "text/html; charset=gbk")
    assert (d.encoding, d.source) == ("utf-8", "bom")
    assert d.text.startswith("<!DOCTYPE html>")
    assert SPEECH in d.text


def test_utf16_bom() -> None:
    d = decode_html(page(SPEECH).encode("utf-16"), None)
    assert d.source == "bom" and d.encoding.startswith("utf-16")
    assert SPEECH in d.text


def test_header_says_utf8_but_bytes_are_gbk() -> None:
    d = decode_html(page(SPEECH).encode("gbk"), "text/html; charset=utf-8")
    assert (d.encoding, d.source, d.bad_bytes) == ("gb18030", "detected", 0)
    assert SPEECH in d.text


def test_meta_says_utf8_but_bytes_are_gbk() -> None:
    d = decode_html(page(SPEECH, '<meta charset="utf-8">').encode("gbk"), None)
    assert d.encoding == "gb18030"
    assert SPEECH in d.text


def test_legacy_label_on_utf8_body_loses_to_clean_utf8() -> None:
    # A template converted to UTF-8 that kept its gb2312 meta: read as GB18030 it is mojibake with
    # hardly any errors, so only UTF-8's own validity can tell.
    d = decode_html(page(SPEECH, META_GBK).encode("utf-8"), "text/html; charset=gbk")
    assert (d.encoding, d.source, d.bad_bytes) == ("utf-8", "detected", 0)
    assert SPEECH in d.text


def test_latin1_server_default_header_does_not_hide_gbk() -> None:
    d = decode_html(page(SPEECH, META_GBK).encode("gbk"), "text/html; charset=ISO-8859-1")
    assert (d.encoding, d.source) == ("gb18030", "meta")
    assert SPEECH in d.text


def test_unknown_charset_name_falls_back_to_detection() -> None:
    d = decode_html(
        page(SPEECH, '<meta charset="x-user-defined-zh">').encode("gbk"), "text/html; charset=foo"
    )
    assert (d.encoding, d.source) == ("gb18030", "detected")
    assert SPEECH in d.text


def test_ascii_page_without_declaration_is_utf8_default() -> None:
    d = decode_html(b"<html><body><p>Hello</p></body></html>", None)
    assert (d.encoding, d.source, d.bad_bytes) == ("utf-8", "default", 0)


def test_empty_body() -> None:
    assert decode_html(b"", None) == decode_html(b"", "text/html")
    assert decode_html(b"", None).text == ""


def test_one_stray_byte_keeps_declared_codec_and_is_counted() -> None:
    body = page(SPEECH * 3).encode("utf-8").replace(b"</p>", b"\xff</p>")
    d = decode_html(body, "text/html; charset=utf-8")
    assert (d.encoding, d.source, d.bad_bytes) == ("utf-8", "header", 1)
    assert SPEECH in d.text and "\ufffd" in d.text


def test_undecodable_bytes_are_replaced_and_counted_never_raised() -> None:
    junk = bytes(range(0x80, 0xC0)) * 50  # lone UTF-8 continuation bytes
    d = decode_html(b"<html><head><meta charset='utf-8'></head><body>" + junk + b"</body></html>", None)
    assert d.bad_bytes == len(junk)
    rng = random.Random(7)
    noise = b"<html><body>" + bytes(rng.randrange(0x80, 0x100) for _ in range(3000)) + b"</body></html>"
    for content_type in (None, "text/html; charset=utf-8"):
        d = decode_html(noise, content_type)
        assert d.bad_bytes > 0.05 * len(noise), d  # random bytes are not passed off as Chinese


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("cp936", "gb18030"),
        ("GB_2312-80", "gb18030"),
        ('"gb2312"', "gb18030"),
        ("UTF8", "utf-8"),
        ("big5", "big5hkscs"),
        ("cp950", "big5hkscs"),
        ("windows-1252", "cp1252"),
        ("x-no-such-charset", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_charset(label: str | None, codec: str | None) -> None:
    assert normalize_charset(label) == codec


# Issue 16, class 4: undeclared GB18030 bytes with two stray bytes (a truncated character before ASCII, an
# undefined 0x80) make charset-normalizer propose a single-byte Thai codec, which never fails to decode.
# The texts are the first lines of two real dev pages (gne-gsc-1, gne-zsnews-1); the byte offsets are
# where the corruption was placed when the detector's wrong guess was measured.
GSC = (
    "5月10-12日，2019年中国人文地理学术年会在重庆·西南大学举行。"
    "本次会议由中国地理学会人文地理专业委员会主办，西南大学"
)
ZSNEWS = (
    "2019年2月27日下午，佛山顺德区大良街道党工委委员、街道经济和科技促进局局长潘卓辉，"
    "顺德区金融业联合会陈伊芬秘书长等"
)


def _strayed(text: str, inserts: list[tuple[int, bytes]]) -> bytes:
    head = "<html><head><title>x</title></head><body><div class='nav'><a href='/'>home</a></div><p>"
    body = bytearray((head + text[:80].replace("\n", "</p><p>") + "</p></body></html>").encode("gb18030"))
    for pos, stray in inserts:
        body[pos:pos] = stray
    return bytes(body)


@pytest.mark.parametrize(
    ("text", "inserts", "phrase"),
    [
        (GSC, [(90, b"\xd6"), (100, b"\xb1")], "中国人文地理学术年会"),
        (ZSNEWS, [(96, b"\xd6"), (93, b"\x80")], "佛山顺德区大良街道党工委委员"),
    ],
    ids=["gne-gsc-1", "gne-zsnews-1"],
)
def test_gb_bytes_with_stray_bytes_are_not_read_as_a_single_byte_codec(
    text: str, inserts: list[tuple[int, bytes]], phrase: str
) -> None:
    d = decode_html(_strayed(text, inserts), None)
    assert (d.encoding, d.source) == ("gb18030", "detected")
    assert 0 < d.bad_bytes <= 2
    assert phrase in d.text


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Москва — столица России, крупнейший по численности населения город страны. " * 4, "cp1251"),
        ("กรุงเทพมหานครเป็นเมืองหลวงและนครที่มีประชากรมากที่สุดของประเทศไทย " * 4, "cp874"),
    ],
    ids=["cp1251", "cp874"],
)
def test_real_single_byte_pages_keep_their_codec(text: str, codec: str) -> None:
    d = decode_html(f"<html><body><p>{text}</p></body></html>".encode(codec), None)
    assert d.text.count(text) == 1
