#!/usr/bin/env python3
"""Expected values for src/string.spec.ts, computed by CPython.

Each function below does what the node of the same name in ComfyUI's
comfy_extras/nodes_string.py does (the same str, re and json calls), so running a
case here gives ComfyUI's answer. The script prints the spec's CASES table:

    python3 node-packs/core/test/string-expectations.py > /tmp/cases.ts

The spec's lines between `// BEGIN GENERATED` and `// END GENERATED` are that output
(then formatted by prettier). An expected value is the node's output, or
{ raises, message } when the node raises: Python's exception type and str(exception)
(`re.error` for regex errors, whose messages are not compared).

Left out, because the JavaScript side cannot know them:
- whole floats in StringFormat values (2.0, 1e16, -0.0): a FLOAT of 2.0 and an INT
  of 2 are the same JavaScript number, which the node formats as an int;
- an int with a precision and no type ('{a:.2}' with 5): Python refuses it for an
  int, the node formats it as the float it may have been.
"""

import json
import re
import sys
import warnings

warnings.simplefilter("ignore")  # FutureWarning for '[[' and '&&' in classes


# --------------------------------------------------------------------------------------
# the nodes, as ComfyUI runs them


def StringConcatenate(string_a, string_b, delimiter):
    return delimiter.join((string_a, string_b))


def StringSubstring(string, start, end):
    return string[start:end]


def StringLength(string):
    return len(string)


def CaseConverter(string, mode):
    if mode == "UPPERCASE":
        return string.upper()
    if mode == "lowercase":
        return string.lower()
    if mode == "Capitalize":
        return string.capitalize()
    if mode == "Title Case":
        return string.title()
    return string


def StringTrim(string, mode):
    if mode == "Both":
        return string.strip()
    if mode == "Left":
        return string.lstrip()
    if mode == "Right":
        return string.rstrip()
    return string


def StringReplace(string, find, replace):
    return string.replace(find, replace)


def StringContains(string, substring, case_sensitive):
    if case_sensitive:
        return substring in string
    return substring.lower() in string.lower()


def StringCompare(string_a, string_b, mode, case_sensitive):
    a, b = (string_a, string_b) if case_sensitive else (string_a.lower(), string_b.lower())
    if mode == "Equal":
        return a == b
    if mode == "Starts With":
        return a.startswith(b)
    if mode == "Ends With":
        return a.endswith(b)
    return None


def flags_of(case_insensitive, multiline, dotall):
    flags = 0
    if case_insensitive:
        flags |= re.IGNORECASE
    if multiline:
        flags |= re.MULTILINE
    if dotall:
        flags |= re.DOTALL
    return flags


def RegexMatch(string, regex_pattern, case_insensitive, multiline, dotall):
    try:
        return re.search(regex_pattern, string, flags_of(case_insensitive, multiline, dotall)) is not None
    except re.error:
        return False


def RegexExtract(string, regex_pattern, mode, case_insensitive, multiline, dotall, group_index):
    flags = flags_of(case_insensitive, multiline, dotall)
    try:
        if mode == "First Match":
            match = re.search(regex_pattern, string, flags)
            return match.group(0) if match else ""
        if mode == "All Matches":
            matches = re.findall(regex_pattern, string, flags)
            if not matches:
                return ""
            if isinstance(matches[0], tuple):
                return "\n".join([m[0] for m in matches])
            return "\n".join(matches)
        if mode == "First Group":
            match = re.search(regex_pattern, string, flags)
            if match and len(match.groups()) >= group_index:
                return match.group(group_index)
            return ""
        if mode == "All Groups":
            results = []
            for match in re.finditer(regex_pattern, string, flags):
                if match.groups() and len(match.groups()) >= group_index:
                    results.append(match.group(group_index))
            return "\n".join(results)
        return ""
    except re.error:
        return ""


def RegexReplace(string, regex_pattern, replace, case_insensitive=True, multiline=False, dotall=False, count=0):
    flags = flags_of(case_insensitive, multiline, dotall)
    return re.sub(regex_pattern, replace, string, count=count, flags=flags)


def JsonExtractString(json_string, key):
    try:
        data = json.loads(json_string)
        if isinstance(data, dict) and key in data:
            value = data[key]
            if value is None:
                return ""
            return str(value)
        return ""
    except (json.JSONDecodeError, TypeError):
        return ""


def StringFormat(values, f_string):
    return f_string.format(**values)


NODES = {f.__name__: f for f in [
    StringConcatenate, StringSubstring, StringLength, CaseConverter, StringTrim, StringReplace,
    StringContains, StringCompare, RegexMatch, RegexExtract, RegexReplace, JsonExtractString,
    StringFormat,
]}

# --------------------------------------------------------------------------------------
# the cases: (title, inputs) per node

CASES = {name: [] for name in NODES}


def case(node, title, **inputs):
    CASES[node].append((title, inputs))


# StringConcatenate
case("StringConcatenate", "joins with the delimiter", string_a="red", string_b="fox", delimiter=", ")
case("StringConcatenate", "empty delimiter", string_a="a", string_b="b", delimiter="")
case("StringConcatenate", "all empty", string_a="", string_b="", delimiter="")
case("StringConcatenate", "empty parts keep the delimiter", string_a="", string_b="", delimiter="-")
case("StringConcatenate", "emoji and newlines", string_a="😀\n", string_b="👍🏽", delimiter="\n—\n")

# StringSubstring: Python slicing on code points
for start, end in [(0, 5), (7, 12), (-5, 12), (-5, -1), (3, 1), (0, 100), (-100, 3), (0, 0),
                   (5, -100), (-1, 0), (-3, 100), (12, 12)]:
    case("StringSubstring", f"'Hello, World'[{start}:{end}]", string="Hello, World", start=start, end=end)
for start, end in [(1, 2), (2, -1), (-3, -1), (0, 3), (-2, 100)]:
    case("StringSubstring", f"'a😀b👍🏽c'[{start}:{end}]", string="a😀b👍🏽c", start=start, end=end)
case("StringSubstring", "empty string", string="", start=0, end=5)
case("StringSubstring", "astral letters", string="𝒳𝒴𝒵", start=1, end=3)
case("StringSubstring", "combining mark is its own code point", string="e\u0301x", start=0, end=1)

# StringLength: code points
for s in ["", "hello", "😀", "👍🏽", "e\u0301", "𝒳𝒴", "a\r\nb", "\u0000", "👨‍👩‍👧", "日本語"]:
    case("StringLength", repr(s), string=s)

# CaseConverter
MODES = ["UPPERCASE", "lowercase", "Capitalize", "Title Case"]
for s in ["hello wORLD", "they're bill's friends", "don't 2nd-hand 3rd_place x.y", "ß straße",
          "ﬁne ﬃ", "ǆemal ǈa", "ΣΑΣ ΟΔΟΣ Σ", "ὈΔΥΣΣΕΎΣ", "İstanbul ı", "𐐀𐐨 𐐨𐐀", "ᾳ ᾀ ᾷ",
          "ŉx", "123abc 4de", "", "ÀÉÎ õü", "ǰ ΐ և", "ʰello", "a\u0345b", "ⓐⓑ Ⓐ",
          "ა ბ", "Σ́Σ", "A\u00adΣ", "ＡＢＣ ａｂｃ"]:
    for mode in MODES:
        case("CaseConverter", f"{mode} of {s!r}", string=s, mode=mode)
case("CaseConverter", "an unknown mode keeps the text", string="MiXeD", mode="Sentence case")

# StringTrim: what str.isspace() accepts
for s in ["  hi  ", "\t\n hi \r\n", "\u3000\u00a0hi\u2028\x1c", "", "   ", "\u200b x \u200b",
          "\x85\x1f😀 a \x1d\u205f", "\ufeffx\ufeff", "\v\f x \v\f"]:
    for mode in ["Both", "Left", "Right"]:
        case("StringTrim", f"{mode} of {s!r}", string=s, mode=mode)
case("StringTrim", "an unknown mode keeps the text", string="  x  ", mode="Middle")

# StringReplace: str.replace
case("StringReplace", "every occurrence", string="a.b.c", find=".", replace="-")
case("StringReplace", "no overlap", string="aaa", find="aa", replace="b")
case("StringReplace", "empty find goes between every code point", string="abc", find="", replace="-")
case("StringReplace", "empty find between emoji", string="😀👍🏽", find="", replace="|")
case("StringReplace", "empty find and string", string="", find="", replace="x")
case("StringReplace", "nothing to find in an empty string", string="", find="a", replace="b")
case("StringReplace", "no special replacement patterns", string="a$&b", find="$&", replace="$1$$")
case("StringReplace", "replacement is literal", string="abc", find="b", replace="$&$1\\1")
case("StringReplace", "case sensitive", string="Abc", find="a", replace="x")
case("StringReplace", "delete", string="a, b, c", find=", ", replace="")
case("StringReplace", "multiline find", string="a\nb\nc", find="\nb\n", replace="+")
case("StringReplace", "emoji", string="I ❤️ 🍕🍕", find="🍕", replace="🍣")

# StringContains
for s, sub in [("Hello World", "world"), ("Hello World", "World"), ("abc", ""), ("", ""), ("", "a"),
               ("STRASSE", "straße"), ("ΣΑΣ", "σας"), ("ΣΑΣ", "σ"), ("ΟΔΟΣ", "Σ"), ("ΟΔΟΣ", "ς"),
               ("İ", "i"), ("I ❤️ 🍕", "🍕"), ("ǅ", "ǆ"), ("ＡＢＣ", "ｂ")]:
    for cs in [True, False]:
        case("StringContains", f"{s!r} contains {sub!r} (case_sensitive={cs})",
             string=s, substring=sub, case_sensitive=cs)

# StringCompare
for a, b in [("Hello", "he"), ("Hello", "LO"), ("Hello", "hello"), ("abc", ""), ("", ""),
             ("ß", "SS"), ("ΟΔΟΣ", "οδοσ"), ("ΟΔΟΣ", "οδος"), ("😀👍🏽", "👍🏽"), ("😀👍🏽", "😀")]:
    for mode in ["Starts With", "Ends With", "Equal"]:
        for cs in [True, False]:
            case("StringCompare", f"{a!r} {mode} {b!r} (case_sensitive={cs})",
                 string_a=a, string_b=b, mode=mode, case_sensitive=cs)
case("StringCompare", "an unknown mode gives None", string_a="a", string_b="a", mode="Contains",
     case_sensitive=True)

# Regular expressions: each (text, pattern, flags) runs through RegexMatch and RegexExtract's
# First Match; flags are (case_insensitive, multiline, dotall).
DEFAULT = (True, False, False)
SENSITIVE = (False, False, False)
REGEXES = [
    ("abc 123 def 45", r"\d+", DEFAULT),
    ("HELLO", "hello", DEFAULT),
    ("HELLO", "hello", SENSITIVE),
    ("a\nb", "^b", SENSITIVE),
    ("a\nb", "^b", (False, True, False)),
    ("a\nb", "a$", SENSITIVE),
    ("a\nb", "a$", (False, True, False)),
    ("a\n", "a$", SENSITIVE),
    ("a\n\n", "a$", SENSITIVE),
    ("a\n", r"a\Z", SENSITIVE),
    ("a\n", r"a\Z", (False, True, False)),
    ("x\na", r"\Aa", (False, True, False)),
    ("x\na", r"^a", (False, True, False)),
    ("a\nb", "a.b", SENSITIVE),
    ("a\nb", "a.b", (False, False, True)),
    ("a\r\nb", "a.+", SENSITIVE),
    ("on 2024-05-17!", r"(?P<year>\d{4})-(?P<month>\d\d)", DEFAULT),
    ("hello hello world", r"(?P<w>\w+) (?P=w)", DEFAULT),
    ("abccd", r"(\w)\1", DEFAULT),
    ("abcCd", r"(\w)\1", DEFAULT),
    ("abcCd", r"(\w)\1", SENSITIVE),
    ("ABC", "(?i)abc", SENSITIVE),
    ("a\nb", "(?s)a.b", SENSITIVE),
    ("a\nb", "(?m)^b$", SENSITIVE),
    ("abc", "(?x) a b  c  # a comment", SENSITIVE),
    ("a b", r"(?x) a \  b", SENSITIVE),
    ("a b", r"(?x) a [ ] b", SENSITIVE),
    ("abc", "(?i:ABC)", DEFAULT),
    ("x\nab", "(?m:^ab)", SENSITIVE),
    ("a\nb", "(?s:a.)b", SENSITIVE),
    ("a\nb", "(?-s:a.)b", (False, False, True)),
    ("ab", "a(?#comment)b", DEFAULT),
    ("price $42 now", r"(?<=\$)\d+", DEFAULT),
    ("price 42 now", r"(?<!\$)\b\d+", DEFAULT),
    ("foobar", r"foo(?=bar)", DEFAULT),
    ("foobaz", r"foo(?!bar)\w+", DEFAULT),
    ("un café noir", r"\bcafé\b", DEFAULT),
    ("café", r"caf\b", DEFAULT),
    ("naïve_日本語 x", r"\w+", DEFAULT),
    ("naïve", r"(?a)\w+", DEFAULT),
    ("e\u0301té", r"\w+", DEFAULT),
    ("x ٣٤٥ 6", r"\d+", DEFAULT),
    ("x ٣٤٥ 6", r"(?a)\d+", DEFAULT),
    ("½ Ⅻ ²", r"\w+", DEFAULT),
    ("a\x1cb", r"a\sb", DEFAULT),
    ("a\u200bb", r"a\sb", DEFAULT),
    ("a\u00a0b", r"a\sb", DEFAULT),
    ("a\u00a0b", r"(?a)a\sb", DEFAULT),
    ("a\u00a0b", r"a\Sb", DEFAULT),
    ("😀x", r".", DEFAULT),
    ("😀😀", r"^.{2}$", DEFAULT),
    ("😀😀", r"^..$", DEFAULT),
    ("😁😂x", r"[😀-😂]+", DEFAULT),
    ("x😀", r"\U0001F600", DEFAULT),
    ("é", r"\u00e9", DEFAULT),
    ("AB", r"\x41\x42", SENSITIVE),
    ("ABA", r"\101\102", SENSITIVE),
    ("a\x00b", r"a\0b", DEFAULT),
    ("a{b", r"a{", DEFAULT),
    ("a{b}", r"a{b}", DEFAULT),
    ("a{,2}", r"a{,2}", DEFAULT),
    ("aaa", r"a{,2}", DEFAULT),
    ("aaaa", r"a{2,}", DEFAULT),
    ("aaaa", r"a{1,3}?", DEFAULT),
    ("a{1", r"a{1", DEFAULT),
    ("a]}", r"a]}", DEFAULT),
    ("a-b_c", r"[\w-]+", DEFAULT),
    ("a-", r"[a-]+", DEFAULT),
    ("]a]b", r"[]a]+", DEFAULT),
    ("]a]b", r"[^]a]+", DEFAULT),
    ("a&&b", r"[&&]+", DEFAULT),
    ("a[b", r"[[]", DEFAULT),
    ("a--b", r"[--]+", DEFAULT),
    ("ABCD", r"[\x41-\x43]+", SENSITIVE),
    ("v1.25", r"[\d.]+", DEFAULT),
    ("a.b", r"\.", DEFAULT),
    ("a|b", r"a\|b", DEFAULT),
    ("a/b", r"a/b", DEFAULT),
    ("1+1=2", r"1\+1", DEFAULT),
    ("x^y", r"[\^x]+", DEFAULT),
    ("tab\there", r"\t", DEFAULT),
    ("a\\b", r"a\\b", DEFAULT),
    ("Straße", r"STRASSE", DEFAULT),
    ("ẞ", r"ß", DEFAULT),
    ("σας", r"ΣΑΣ", DEFAULT),
    ("ς", r"σ", DEFAULT),
    ("ſ", r"s", DEFAULT),
    ("K", r"k", DEFAULT),
    ("K", r"[a-z]", DEFAULT),
    ("İ", r"i", DEFAULT),
    ("ı", r"I", DEFAULT),
    ("ΐ", r"ΐ", DEFAULT),
    ("𐐨", r"𐐀", DEFAULT),
    ("ABC", r"[a-c]+", DEFAULT),
    ("abc", r"[^A-C]+", DEFAULT),
    ("a", r"", DEFAULT),
    ("", r"", DEFAULT),
    ("", r"^$", DEFAULT),
    ("abc", r"x*", DEFAULT),
    ("cat dog", r"dog|cat", DEFAULT),
    ("aaa", r"a*?", DEFAULT),
    ("aaa", r"a+?", DEFAULT),
    ("<a><b>", r"<.*>", DEFAULT),
    ("<a><b>", r"<.*?>", DEFAULT),
    ("xabx", r"(?<=ab|cd)x", DEFAULT),
    ("xcdx", r"(?<=(?:ab|cd))x", DEFAULT),
    ("aab", r"(?<=a{2})b", DEFAULT),
    ("aab", r"(?<=(a)\1)b", DEFAULT),
    ("aab", r"(a)(?<=\1)b", DEFAULT),
    ("aab", r"(?P<x>a)(?<=(?P=x))b", DEFAULT),
    ("xfoobar", r"(?<=\bfoo)bar", DEFAULT),
    ("xx", r"(?<!^)x", DEFAULT),
    ("ab", r"(?<=a(?=b))b", DEFAULT),
    ("İı", r"[a-z]+", DEFAULT),
    ("İı", r"[a-z]+", SENSITIVE),
    ("İ", r"[^i]", DEFAULT),
    ("xİ", r"[^h-j]+", DEFAULT),
    ("i", r"[İ]", DEFAULT),
    ("I", r"İ", DEFAULT),
    ("İ", r"I", SENSITIVE),
    ("ıI", r"(?i)ı+", SENSITIVE),
    ("KIT", r"k[a-z]t", DEFAULT),
    ("a\x00", r"a\0", DEFAULT),
    ("aa", r"(a)\1", DEFAULT),
    ("a8", r"a\8", DEFAULT),
    ("abcdefghijj", r"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\10", DEFAULT),
    ("a", "a\\", DEFAULT),
    ("ab", r"(?#unterminated", DEFAULT),
    ("ab", r"(?P<a>a)(?P=a", DEFAULT),
    ("ab", r"(?<=a|bc)b", DEFAULT),
    ("ab", r"(?<=a{1,2})b", DEFAULT),
    ("ab", r"(?<=a*)b", DEFAULT),
    ("ab", r"(?<=(a)+)b", DEFAULT),
    ("aab", r"(?<=(a)\1)b", SENSITIVE),
    # invalid patterns: re.error, which RegexMatch and RegexExtract turn into False and ""
    ("abc", r"(", DEFAULT),
    ("abc", r")", DEFAULT),
    ("abc", r"[a", DEFAULT),
    ("abc", r"*a", DEFAULT),
    ("abc", r"a**", DEFAULT),
    ("abc", r"a{2,1}", DEFAULT),
    ("abc", r"\q", DEFAULT),
    ("abc", r"(a)\2", DEFAULT),
    ("abc", r"(?P<1>a)", DEFAULT),
    ("abc", r"(?P<a>a)(?P<a>b)", DEFAULT),
    ("abc", r"(?P=nope)", DEFAULT),
    ("abc", r"a(?i)b", DEFAULT),
    ("abc", r"[z-a]", DEFAULT),
    ("abc", r"\x4", DEFAULT),
    ("abc", r"a\\", DEFAULT),
    ("abc", "a\\", DEFAULT),
    ("abc", r"(?<=a+)b", DEFAULT),
    ("abc", r"(?Q)", DEFAULT),
    ("abc", r"\777", DEFAULT),
    ("abc", r"(?L)a", DEFAULT),
]
for text, pattern, (ci, ml, da) in REGEXES:
    case("RegexMatch", f"{pattern!r} in {text!r} {ci:d}{ml:d}{da:d}", string=text, regex_pattern=pattern,
         case_insensitive=ci, multiline=ml, dotall=da)
    case("RegexExtract", f"First Match {pattern!r} in {text!r} {ci:d}{ml:d}{da:d}", string=text,
         regex_pattern=pattern, mode="First Match", case_insensitive=ci, multiline=ml, dotall=da,
         group_index=1)

# RegexExtract's other modes
EXTRACTS = [
    ("a1b22c333", r"\d+"),
    ("a1 b2 c3", r"(\w)(\d)"),
    ("a1 b2 c3", r"\w(\d)"),
    ("b ab", r"(a)?b"),
    ("xyz", r"\d"),
    ("axb", r"x*"),
    ("abxd", r"x*"),
    ("2024-05-17 and 1999-12-31", r"(?P<y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)"),
    ("a", r"(a)|(b)"),
    ("b", r"(a)|(b)"),
    ("😀1😁2", r"(.)\d"),
    ("Key: Value\nOther: Thing", r"^(\w+): (.*)$"),
    ("abc", r"(?:a)(b)"),
    ("a", r"|a"),
    ("aa", r"a|"),
    ("abc", r"("),
]
for text, pattern in EXTRACTS:
    for mode in ["All Matches", "First Group", "All Groups"]:
        for group_index in [0, 1, 2, 4]:
            if mode == "All Matches" and group_index != 1:
                continue
            flags = (True, "^" in pattern, False)
            case("RegexExtract", f"{mode} {pattern!r} in {text!r} group {group_index}", string=text,
                 regex_pattern=pattern, mode=mode, case_insensitive=flags[0], multiline=flags[1],
                 dotall=flags[2], group_index=group_index)
case("RegexExtract", "an unknown mode gives an empty string", string="abc", regex_pattern="b",
     mode="Last Match", case_insensitive=True, multiline=False, dotall=False, group_index=1)
case("RegexExtract", "All Matches is case insensitive by flag", string="aAbB", regex_pattern="a|b",
     mode="All Matches", case_insensitive=False, multiline=False, dotall=False, group_index=1)
case("RegexExtract", "All Groups with a group that did not take part", string="a b", regex_pattern="(a)|(b)",
     mode="All Groups", case_insensitive=True, multiline=False, dotall=False, group_index=2)
case("RegexExtract", "All Groups dotall", string="<a\nb><c>", regex_pattern="<(.+?)>",
     mode="All Groups", case_insensitive=True, multiline=False, dotall=True, group_index=1)

# RegexReplace: re.sub
def replace(title, string, pattern, repl, **options):
    case("RegexReplace", title, string=string, regex_pattern=pattern, replace=repl, **options)


replace("every match", "a1b22c333", r"\d", "#")
replace("optional inputs default to case insensitive", "aAa", "a", "x")
replace("case sensitive", "aAa", "a", "x", case_insensitive=False)
replace("count 1", "a1b22c333", r"\d+", "#", count=1)
replace("count 2", "a1b22c333", r"\d+", "#", count=2)
replace("count past the matches", "a1b2", r"\d", "#", count=10)
replace("count 0 is all", "a1b2", r"\d", "#", count=0)
replace("backreference \\1", "John Smith", r"(\w+) (\w+)", r"\2, \1")
replace("\\g<1> before a digit", "a1", r"(\w)\d", r"\g<1>0")
replace("\\g<name>", "2024-05-17", r"(?P<y>\d+)-(?P<m>\d+)-(?P<d>\d+)", r"\g<d>/\g<m>/\g<y>")
replace("\\g<0>", "cat dog", r"\w+", r"[\g<0>]")
replace("two-digit group reference", "abcdefghijk", r"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)", r"\11\10")
replace("octal escape in the template", "x", "x", r"\101\0")
replace("escapes in the template", "x", "x", r"a\tb\nc\\d")
replace("unknown punctuation escape stays", "x", "x", r"\$\&")
replace("JavaScript patterns are literal", "abc", "b", "$&$1$$")
replace("unmatched group is empty", "ab", r"(a)|b", r"[\1]")
replace("empty matches", "abxd", r"x*", "-")
replace("empty pattern", "abc", r"", "-")
replace("empty alternative first", "aba", r"|a", "-")
replace("empty string", "", r"^", "start")
replace("multiline anchors", "a\nb", r"^", "> ", multiline=True)
replace("without multiline", "a\nb", r"^", "> ")
replace("dollar before a trailing newline", "a\n", r"$", "!")
replace("dollar multiline", "a\nb\n", r"$", "!", multiline=True)
replace("dotall", "a\nb", r"a.b", "X", dotall=True)
replace("no dotall", "a\nb", r"a.b", "X")
replace("code points", "😀a👍🏽", r".", r"[\g<0>]")
replace("unicode word", "naïve café", r"\w+", "w")
replace("lookbehind", "$1 and $22", r"(?<=\$)\d+", "N")
replace("inline flag", "ABC", r"(?i)b", "x", case_insensitive=False)
replace("named backreference", "hello hello", r"(?P<w>\w+) (?P=w)", r"\g<w>")
replace("whitespace", "a \t\u3000b", r"\s+", " ")
replace("no match", "abc", r"\d", "#")
# errors: ComfyUI does not catch them here, the node fails with re.error
replace("invalid pattern", "abc", r"(", "x")
replace("bad escape in the template", "abc", r"b", r"\q")
replace("unknown group in the template", "abc", r"(b)", r"\2")
replace("unknown group name in the template", "abc", r"(?P<x>b)", r"\g<y>")
replace("unterminated group name", "abc", r"(b)", r"\g<1")
replace("trailing backslash in the template", "abc", r"b", "x\\")
replace("negative group number in the template", "abc", r"(b)", r"\g<-1>")
replace("bad group name in the template", "abc", r"(b)", r"\g<1a>")
replace("group 0 by number", "abc", r"b", r"<\g<0>>")
replace("octal escape then digit", "x", "x", r"\1010")
replace("octal out of range in the template", "x", "x", r"\477")
replace("Turkish i", "İstanbul ıI", r"i", "_")
replace("class with Turkish i", "İstanbul ıI", r"[h-j]", "_")
replace("lookbehind needs a fixed width", "ab", r"(?<=a+)b", "x")

# JsonExtractString: json.loads, then str() of the value
for text, key in [
    ('{"a": "x"}', "a"),
    ('{"a": "x"}', "b"),
    ('{"a": 1}', "a"),
    ('{"a": 1.0}', "a"),
    ('{"a": 1.5e3}', "a"),
    ('{"a": 1e-7}', "a"),
    ('{"a": 1e16}', "a"),
    ('{"a": 1e22}', "a"),
    ('{"a": 0.1}', "a"),
    ('{"a": 0.30000000000000004}', "a"),
    ('{"a": 123456789.123}', "a"),
    ('{"a": 1.7976931348623157e308}', "a"),
    ('{"a": 5e-324}', "a"),
    ('{"a": 1e400}', "a"),
    ('{"a": -0}', "a"),
    ('{"a": -0.0}', "a"),
    ('{"a": 1E2}', "a"),
    ('{"a": 12345678901234567890123}', "a"),
    ('{"a": true}', "a"),
    ('{"a": false}', "a"),
    ('{"a": null}', "a"),
    ('{"a": NaN}', "a"),
    ('{"a": Infinity}', "a"),
    ('{"a": -Infinity}', "a"),
    ('{"a": [1, "a", null, true, 2.5]}', "a"),
    ('{"a": ["it\'s", "say \\"hi\\"", "both \' \\""]}', "a"),
    ('{"a": ["\\u00e9", "\\u200b", "\\n", "\\u0000", "\\ud83d\\ude00", "\\u007f", "\\\\"]}', "a"),
    ('{"b": {"c": 1, "d": {"e": [2.5, {}]}}}', "b"),
    ('{"b": {"c": 1}}', "b.c"),
    ('{"b": {"c": 1}}', "c"),
    ('{"a": {}}', "a"),
    ('{"a": []}', "a"),
    ('{"a": ""}', "a"),
    ('{"": 1}', ""),
    ('{"a": 1, "a": 2}', "a"),
    ('{"z": 1, "y": {"b": 1, "a": 2, "b": 3}}', "y"),
    ('{"é😀": "ok"}', "é😀"),
    ('{"a": "\\u00e9\\ud83d\\ude00\\t"}', "a"),
    ('{"a": "\\/"}', "a"),
    (' \t\n{"a" : "x" }\r\n ', "a"),
    ('\u00a0{"a": "x"}', "a"),
    ('\ufeff{"a": "x"}', "a"),
    ('[{"a": 1}]', "a"),
    ('"a"', "a"),
    ("1", "a"),
    ("null", "a"),
    ("", "a"),
    ("not json", "a"),
    ("{'a': 1}", "a"),
    ('{"a": 1,}', "a"),
    ('{"a": 01}', "a"),
    ('{"a": .5}', "a"),
    ('{"a": 1.}', "a"),
    ('{"a": +1}', "a"),
    ('{"a": "x\ty"}', "a"),
    ('{"a": "\\x41"}', "a"),
    ('{"a": "\\u12"}', "a"),
    ('{"a": 1} x', "a"),
    ('{"a": 1} {}', "a"),
    ('{"a": tru}', "a"),
    ('{"a": True}', "a"),
    ('{a: 1}', "a"),
    ('{"a": [1, 2,]}', "a"),
    ('{"a": "unterminated}', "a"),
    ('{"a": -}', "a"),
    ('{"a": 1e}', "a"),
    ('{"a": 0x10}', "a"),
    ('{"a": "\\ud800x"}', "a"),
    ('{"a": ["\\udfff"]}', "a"),
    ('{"\\u0061": 1}', "a"),
    ('{"a": -1.5E-2}', "a"),
    ('{"a": [[[[]]], {"b": {"c": {}}}]}', "a"),
    ('{"a": [1e5, -2E-3, 0.5e1, 100]}', "a"),
    ('{"A": 1}', "a"),
]:
    case("JsonExtractString", f"{key!r} of {text!r}", json_string=text, key=key)


# StringFormat: f_string.format(**values)
def fmt(f_string, **values):
    for v in values.values():
        assert not (isinstance(v, float) and v.is_integer()), f_string
    case("StringFormat", f"{f_string!r} with {values!r}", values=values, f_string=f_string)


fmt("{a}", a="x")
fmt("{a} and {b}", a="cats", b="dogs")
fmt("{b}{a}{b}", a=1, b="-")
fmt("plain text")
fmt("")
fmt("{a}", a=3)
fmt("{a}", a=3.5)
fmt("{a}", a=0.30000000000000004)
fmt("{a}", a=1.5e-5)
fmt("{a}", a=123456789.123)
fmt("{a}", a=-0.5)
fmt("{a}", a=True)
fmt("{a}", a=None)
fmt("{a}", a=[1, "x", None, 2.5, True])
fmt("{a}", a={"k": "v", "n": [1]})
fmt("{a}", a="😀")
fmt("{a:>8.3f}", a=3.14159)
fmt("{a:<8.3f}|", a=3.14159)
fmt("{a:^9.2f}|", a=-3.14159)
fmt("{a:08.2f}", a=-3.14159)
fmt("{a:+.1f}", a=2.25)
fmt("{a: .1f}", a=2.35)
fmt("{a:.2f}", a=2.675)
fmt("{a:.0f} {b:.0f} {c:.0f}", a=0.5, b=1.5, c=2.5)
fmt("{a:.1f}", a=0.25)
fmt("{a:.2f}", a=3)
fmt("{a:f}", a=1.5)
fmt("{a:F}", a=float("inf"))
fmt("{a:f}", a=float("nan"))
fmt("{a:#.0f}", a=2.5)
fmt("{a:z.1f}", a=-0.04)
fmt("{a:.1f}", a=-0.04)
fmt("{a:,}", a=1234567)
fmt("{a:_}", a=1234567)
fmt("{a:,}", a=-1234567.891)
fmt("{a:,.2f}", a=1234567.891)
fmt("{a:010,.2f}", a=1234.5)
fmt("{a:09,}", a=1234)
fmt("{a:_x}", a=0xABCDEF12)
fmt("{a:_b}", a=37)
fmt("{a:+d}", a=5)
fmt("{a:+d}", a=-5)
fmt("{a: d}", a=5)
fmt("{a:05d}", a=-42)
fmt("{a:=+8}", a=42)
fmt("{a:x} {a:X} {a:#x} {a:#X} {a:o} {a:#o} {a:b} {a:#b}", a=255)
fmt("{a:#x}", a=-255)
fmt("{a:c}", a=65)
fmt("{a:c}", a=0x1F600)
fmt("{a:n}", a=1234567)
fmt("{a:d}", a=True)
fmt("{a:>6}", a=False)
fmt("{a:e}", a=12345.678)
fmt("{a:.2E}", a=0.000123456)
fmt("{a:.0e}", a=12345.678)
fmt("{a:#.0e}", a=12345.678)
fmt("{a:e}", a=5)
fmt("{a:g}", a=0.00001234)
fmt("{a:g}", a=0.0001234)
fmt("{a:.3g}", a=1234567.5)
fmt("{a:g}", a=100000)
fmt("{a:g}", a=1000000)
fmt("{a:G}", a=1.5e-10)
fmt("{a:#g}", a=1.5)
fmt("{a:.0g}", a=1.5)
fmt("{a:n}", a=1234567.5)
fmt("{a:%}", a=0.25)
fmt("{a:.1%}", a=0.12345)
fmt("{a:.0%}", a=1)
fmt("{a:.3}", a=3.14159)
fmt("{a:.3}", a=31415.9)
fmt("{a:10.3}|", a=3.14159)
fmt("{a:.2}", a="hello")
fmt("{a:^10}|", a="hi")
fmt("{a:*<6}|", a="hi")
fmt("{a:>6}|", a="hi")
fmt("{a:6}|", a="hi")
fmt("{a:6}|", a=42)
fmt("{a:06}|", a="hi")
fmt("{a:*^7}", a="😀")
fmt("{a:😀^5}", a="x")
fmt("{a:_<8.3}|", a="abcdef")
fmt("{a:s}", a="x")
fmt("{a!r}", a="hi")
fmt("{a!r}", a="it's")
fmt("{a!r}", a="it's \"q\"")
fmt("{a!r}", a="tab\tnew\nline\\ \u200b \x7f é 😀")
fmt("{a!r}", a=1.5)
fmt("{a!r}", a=7)
fmt("{a!r}", a=None)
fmt("{a!s}", a="hi")
fmt("{a!a}", a="é😀\u200b")
fmt("{a!r:>10}|", a="x")
fmt("{a[1]}", a=[1, "x"])
fmt("{a[k]}", a={"k": "v"})
fmt("{a[k][0]}", a={"k": ["deep"]})
fmt("{a[0]}", a="xyz")
fmt("{a:{b}}", a="x", b=">5")
fmt("{a:{b}.{c}f}", a=3.14159, b=8, c=2)
fmt("{{a}}", a="x")
fmt("{{{a}}}", a="x")
fmt("}}{{")
fmt("{a} {a}", a="x")
fmt("{a:.3}", a=0.0001234)
fmt("{a:.1}", a=0.05)
fmt("{a:g}", a=1e-5)
fmt("{a:.15g} {a:.17g} {a:.20f}", a=0.1)
fmt("{a:e} {a}", a=5e-324)
fmt("{a:f}", a=1.5e-300)
fmt("{a:%} {a:G} {a:E}", a=float("nan"))
fmt("{a:E} {a:%} {a:+.2f}", a=float("-inf"))
fmt("{a:.3}", a=9.9995)
fmt("{a:.2}", a=99.5)
fmt("{a:#.3g}", a=1.5)
fmt("{a:.0%}", a=0.005)
fmt("{a:.1e}", a=9.96)
fmt("{a:.3g}", a=0.00009995)
fmt("{a}", a=1e-7)
fmt("{a}", a=123456789012345.67)
fmt("{a}", a=1.2345678901234567e-5)
fmt("{a:n}", a=1.5e-7)
fmt("{a:,d}", a=-1234567)
fmt("{a:#_b}", a=37)
fmt("{a:#010x}", a=255)
fmt("{a:-^9}", a=-5)
fmt("{a: =8}", a=-5)
fmt("{a:x} {a:,}", a=2**60)
fmt("{a:.0}|", a="abc")
fmt("{a.real} {a.imag} {a.numerator} {a.denominator}", a=7)
fmt("{a.real} {a.imag}", a=2.5)
fmt("{a.real:>4}", a=True)
fmt("{a[0]}", a=None)
fmt("{a[x]}", a="abc")
fmt("{a[9]}", a="abc")
fmt("{a[0]}", a=2.5)
fmt("{a.}", a="x")
fmt("{a..b}", a="x")
fmt("{a!\u00e9}", a="x")
fmt("{a!\n}", a="x")
fmt("{a:\x01}", a="x")
fmt("{a:,\u00e9}", a=5)
fmt("{a{b}}", a="x")
fmt("{a[{]}", a={"{": "brace"})
fmt("{a[}]}", a={"}": "brace"})
fmt("{a[:]}", a={":": "colon"})
fmt("{a[!]}", a={"!": "bang"})
fmt("{z:{b}}", a="x")
fmt("{a:{z}}", a="x")
fmt("{a:{b:>2}}", a="x", b="<")
# errors, which fail the node
fmt("{z}", a="x")
fmt("{}", a="x")
fmt("{0}", a="x")
fmt("a } b", a="x")
fmt("a { b", a="x")
fmt("{a", a="x")
fmt("{", a="x")
fmt("}", a="x")
fmt("{a!x}", a="x")
fmt("{a!rr}", a="x")
fmt("{a:q}", a="x")
fmt("{a:,}", a="x")
fmt("{a:+}", a="x")
fmt("{a:=5}", a="x")
fmt("{a:d}", a="x")
fmt("{a:d}", a=1.5)
fmt("{a:s}", a=5)
fmt("{a:,x}", a=5)
fmt("{a:>5}", a=None)
fmt("{a:>5}", a=[1])
fmt("{a[5]}", a=[1])
fmt("{a[zz]}", a={"k": "v"})
fmt("{a[0]}", a={"k": "v"})
fmt("{a[x]}", a=[1])
fmt("{a[0]}", a=5)
fmt("{a.zz}", a="x")
fmt("{a b}", a="x")
fmt("{a:{b:{c}}}", a="x", b="", c="")
fmt("{a:<05}|", a=5)
fmt("{a:^07}|", a=-5)
fmt("{a:0=9,}", a=1234)
fmt("{a:*=+9,}", a=1234)
fmt("{a:*=+9,.1f}", a=1234.5)
fmt("{a:5c}|", a=65)
fmt("{a:<5c}|", a=65)
fmt("{a:_o} {a:_b} {a:_X}", a=1000000)
fmt("{a:_d}", a=1234567)
fmt("{a:_.2f}", a=1234567.125)
fmt("{a:,e}", a=12345.6789)
fmt("{a:,g}", a=1234567.5)
fmt("{a:,%}", a=12.5)
fmt("{a:08.3e}", a=-1.5)
fmt("{a:=8}", a=-1.5)
fmt("{a:x<8}", a=1.5)
fmt("{a:+}", a=1.5)
fmt("{a:+}", a=float("nan"))
fmt("{a:08}", a=float("inf"))
fmt("{a:08}", a=float("-inf"))
fmt("{a:,}", a=float("inf"))
fmt("{a:😀<5}", a=7)
fmt("{a:.2s}", a="hello")
fmt("{a:<<5}", a="x")
fmt("{a:{b}<5}", a="x", b="#")
fmt("{a!s:>10}|", a=[1, 2])
fmt("{a!r:}", a="x")
fmt("{a:}", a=1.5)
fmt("{a:z}", a=-0.0001)
fmt("{a:z.0f}", a=-0.4)
fmt("{a:.2z}", a=1.5)
fmt("{a:z}", a="x")
fmt("{a:z}", a=5)
fmt("{a:#}", a="x")
fmt("{a: }", a="x")
fmt("{a:_}", a="x")
fmt("{a:,s}", a="x")
fmt("{a:,_}", a=1)
fmt("{a:_,}", a=1)
fmt("{a:.}", a=1.5)
fmt("{a:abc}", a="x")
fmt("{a:abc}", a=1.5)
fmt("{a:>5d}x", a=1.5)
fmt("{a:,c}", a=65)
fmt("{a:,n}", a=5)
fmt("{a:,n}", a=5.5)
fmt("{a:,o}", a=8)
fmt("{a:,b}", a=8)
fmt("{a:#c}", a=65)
fmt("{a:+c}", a=65)
fmt("{a:c}", a=0x110000)
fmt("{a:c}", a=-1)
fmt("{a:q}", a=5)
fmt("{a:q}", a=1.5)
fmt("{a:s}", a=True)
fmt("{a:s}", a=None)
fmt("{a!}", a="x")
fmt("{a!:}", a="x")
fmt("{!r}", a="x")
fmt("{:>5}", a="x")
fmt("{a[}", a=[1])
fmt("{a[0}", a=[1])
fmt("{a]}", a="x")
fmt("{a.}", a="x")
fmt("{a[]}", a=[1])
fmt("{a[0]x}", a=[1])
fmt("{a[0]!r}", a=["x"])
fmt("{a[0]:>3}", a=["x"])
fmt("{a[-1]}", a=[1])
fmt("{a[1]}", a="😀x")
fmt("{a[ k ]}", a={" k ": 1})
fmt("{a[k]}", a={"k": {"j": 2.5}})
fmt("{a:{{}}}", a="x")
fmt("{a:}}}", a="x")
fmt("{a}}", a="x")


# --------------------------------------------------------------------------------------
# output: a TypeScript table


def js(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        assert abs(value) <= 2**53 or value == 2**60, value
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, str):
        out = "'"
        for ch in value:
            cp = ord(ch)
            if ch == "'" or ch == "\\":
                out += "\\" + ch
            elif ch == "\n":
                out += "\\n"
            elif ch == "\t":
                out += "\\t"
            elif ch == "\r":
                out += "\\r"
            elif ch == " " or (ch.isprintable() and cp not in (0xAD, 0x2028, 0x2029)):
                out += ch
            elif cp <= 0xFF:
                out += f"\\x{cp:02x}"
            elif cp <= 0xFFFF:
                out += f"\\u{cp:04x}"
            else:
                out += f"\\u{{{cp:x}}}"
        return out + "'"
    if isinstance(value, list):
        return "[" + ", ".join(js(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {js(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def run(node, inputs):
    try:
        return NODES[node](**inputs)
    except re.error:
        return {"raises": "re.error"}
    except Exception as e:  # noqa: BLE001 - any exception fails the node
        return {"raises": type(e).__name__, "message": str(e)}


def main():
    out = sys.stdout
    out.write(f"// CPython {sys.version.split()[0]}\n")
    out.write("const CASES: Cases = {\n")
    for node, cases in CASES.items():
        out.write(f"  {node}: [\n")
        for title, inputs in cases:
            out.write(f"    [{js(title)}, {js(inputs)}, {js(run(node, inputs))}],\n")
        out.write("  ],\n")
    out.write("};\n")


if __name__ == "__main__":
    main()
