// Go text/template emulation: every construct podman users write in
// --format / inspect -f, Go's value printing and fmt verbs, and every
// malformed or hostile template failing with a positioned one-line error.
#include <gtest/gtest.h>

#include <string>

#include "format/go_template.hpp"
#include "sys/error.hpp"

using nook::format::ExecLimits;
using nook::format::Template;
using json = nlohmann::json;

namespace {

json image() {
  return json::parse(R"({
    "Repository": "docker.io/library/busybox", "Tag": "latest", "ID": "a416a98b71e2",
    "Size": 4261550, "Ratio": 1.5, "Dangling": false, "ReadOnly": true,
    "RepoTags": ["docker.io/library/busybox:latest", "localhost/bb:1"],
    "Labels": {"zeta": "last", "maintainer": "me", "alpha": "first"},
    "Config": {"Env": ["A=1", "B=2"], "Labels": {"maintainer": "NGINX <docker@nginx.com>"},
               "Cmd": null, "Entrypoint": ["/bin/sh", "-c"]},
    "Empty": [], "EmptyMap": {}, "Null": null, "Zero": 0, "EmptyStr": "",
    "Mixed": [1, "two", null, {"k": "v"}, [3]],
    "Images": [{"Name": "a"}, {"Name": "b"}]
  })");
}

std::string run(std::string_view t, const json& data = image()) {
  return Template::parse(t).execute(data);
}

std::string error_of(std::string_view t, const json& data = image(), const ExecLimits& lim = {},
                     std::string name = "format") {
  try {
    (void)Template::parse(t, std::move(name)).execute(data, lim);
  } catch (const nook::Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// --- text, fields, printing -------------------------------------------------

TEST(GoTemplate, PlainTextAndEmpty) {
  EXPECT_EQ(run("hello, world\n"), "hello, world\n");
  EXPECT_EQ(run(""), "");
  EXPECT_EQ(run("a } b { c"), "a } b { c");
}

TEST(GoTemplate, PodmanRepositoryTag) {
  EXPECT_EQ(run("{{.Repository}}:{{.Tag}}"), "docker.io/library/busybox:latest");
}

TEST(GoTemplate, NestedFieldsAndDot) {
  EXPECT_EQ(run("{{.Config.Labels.maintainer}}"), "NGINX <docker@nginx.com>");
  EXPECT_EQ(run("{{.}}", json("just a string")), "just a string");
  EXPECT_EQ(run("{{.}}", json(42)), "42");
  EXPECT_EQ(run("{{ . }}", json::array({1, 2})), "[1 2]");
}

TEST(GoTemplate, FieldNamesAreCaseSensitive) {
  EXPECT_EQ(run("{{.tag}}"), "<no value>");
  EXPECT_EQ(run("{{.TAG}}"), "<no value>");
}

TEST(GoTemplate, MissingAndNullPrintNoValue) {
  EXPECT_EQ(run("{{.Nope}}"), "<no value>");
  EXPECT_EQ(run("{{.Nope.Deeper.Still}}"), "<no value>");
  EXPECT_EQ(run("{{.Null}}"), "<no value>");
  EXPECT_EQ(run("{{.Config.Cmd}}"), "<no value>");
  EXPECT_EQ(run("{{.X}}", json()), "<no value>");
}

TEST(GoTemplate, ArraysAndObjectsPrintLikeGo) {
  EXPECT_EQ(run("{{.Config.Env}}"), "[A=1 B=2]");
  EXPECT_EQ(run("{{.Labels}}"), "map[alpha:first maintainer:me zeta:last]");
  EXPECT_EQ(run("{{.Mixed}}"), "[1 two <nil> map[k:v] [3]]");
  EXPECT_EQ(run("{{.Empty}} {{.EmptyMap}}"), "[] map[]");
  EXPECT_EQ(run("{{.}}", json::parse(R"({"a":null,"b":[null]})")), "map[a:<nil> b:[<nil>]]");
}

TEST(GoTemplate, NumbersAndBoolsPrintLikeGo) {
  EXPECT_EQ(run("{{.Size}} {{.Ratio}} {{.Dangling}} {{.ReadOnly}}"), "4261550 1.5 false true");
  auto nums = json::parse(
      R"([100.0, 1e21, 1e6, 123456.0, 123456789.0, 0.0001, 0.00001, -0.0, 18446744073709551615, -9223372036854775808, 3.14159])");
  EXPECT_EQ(run("{{range .}}{{.}} {{end}}", nums),
            "100 1e+21 1e+06 123456 1.23456789e+08 0.0001 1e-05 -0 18446744073709551615 "
            "-9223372036854775808 3.14159 ");
}

TEST(GoTemplate, FieldOfNonObjectIsAnError) {
  EXPECT_EQ(error_of("{{.Tag.X}}"),
            "template: format:1:2: executing \"format\" at <.Tag.X>: can't evaluate field X in "
            "type string");
  EXPECT_TRUE(contains(error_of("{{.Size.X}}"), "can't evaluate field X in type int"));
  EXPECT_TRUE(contains(error_of("{{.Ratio.X}}"), "can't evaluate field X in type float64"));
  EXPECT_TRUE(
      contains(error_of("{{.RepoTags.X}}"), "can't evaluate field X in type []interface {}"));
  EXPECT_TRUE(contains(error_of("{{.Null.X}}"), "nil pointer evaluating interface {}.X"));
}

TEST(GoTemplate, ErrorPositionCountsLinesAndBytes) {
  EXPECT_TRUE(contains(error_of("line one\n  {{.Tag.X}}"), "template: format:2:4: executing"));
  EXPECT_TRUE(contains(error_of("ab{{\n.Tag.X}}"), "format:2:0:"));
  try {
    Template::parse("{{.Tag.X}}", "inspect").execute(image());
    FAIL();
  } catch (const nook::Error& e) {
    EXPECT_TRUE(contains(e.what(), "template: inspect:1:2: executing \"inspect\""));
  }
}

TEST(GoTemplate, ErrorsAreOneLine) {
  EXPECT_EQ(error_of("{{range .}}{{end}}", json("a\nb")),
            "template: format:1:8: executing \"format\" at <{{range .}}{{end}}>: range can't "
            "iterate over a\\nb");
  EXPECT_EQ(error_of("{{\"x\ny\"}}"), "template: format:1:2: unterminated quoted string");
  EXPECT_EQ(error_of("a\n{{if}}", json(), {}, "we\nird"),
            "template: we\\nird:2:4: missing value for if");
}

TEST(GoTemplate, LongErrorContextIsTruncated) {
  EXPECT_TRUE(
      contains(error_of("{{index .RepoTags 1 2 3 4 5 6 7 8 9}}"), "at <index .RepoTags 1 2 ...>"));
}

// --- trimming and comments --------------------------------------------------

TEST(GoTemplate, TrimMarkers) {
  EXPECT_EQ(run("a  \n {{- .Tag -}} \n\t b"), "alatestb");
  EXPECT_EQ(run("a {{- .Tag}} b"), "alatest b");
  EXPECT_EQ(run("a {{.Tag -}} b"), "a latestb");
  EXPECT_EQ(run("{{range .Config.Env -}}\n  {{.}}\n{{- end}}"), "A=1B=2");
  EXPECT_EQ(run("x {{-3}} y"), "x -3 y");  // no space after '-': a number
  EXPECT_EQ(run("x {{- 3 -}} y"), "x3y");
}

TEST(GoTemplate, Comments) {
  EXPECT_EQ(run("a{{/* a comment */}}b"), "ab");
  EXPECT_EQ(run("a {{- /* trimmed */ -}} b"), "ab");
  EXPECT_EQ(run("{{/* multi\nline */}}x"), "x");
  EXPECT_EQ(error_of("{{/* open"), "template: format:1:2: unclosed comment");
  EXPECT_TRUE(contains(error_of("{{/* c */ .Tag}}"), "comment ends before closing delimiter"));
}

// --- literals -----------------------------------------------------------------

TEST(GoTemplate, StringLiteralsAndEscapes) {
  EXPECT_EQ(run(R"({{"a\tb\n\"q\" \\ \x41\u00e9\101"}})"),
            "a\tb\n\"q\" \\ A\xc3\xa9"
            "A");
  EXPECT_EQ(run("{{`raw \\n {{x}} \"q\"`}}"), "raw \\n {{x}} \"q\"");
  EXPECT_EQ(run("{{`a\r\nb`}}"), "a\nb");  // Go drops CR from raw strings
  EXPECT_TRUE(contains(error_of(R"({{"\q"}})"), "invalid syntax in string"));
  EXPECT_TRUE(contains(error_of(R"({{"\'"}})"), "invalid syntax in string"));
  EXPECT_TRUE(contains(error_of("{{\"a\nb\"}}"), "unterminated quoted string"));
  EXPECT_TRUE(contains(error_of("{{\"abc}}"), "unterminated quoted string"));
  EXPECT_TRUE(contains(error_of("{{`abc}}"), "unterminated raw quoted string"));
}

TEST(GoTemplate, NumberAndCharLiterals) {
  EXPECT_EQ(run("{{1}} {{-2}} {{+3}} {{1.5}} {{1.0}} {{1e3}} {{0x1F}} {{0o17}} {{017}} {{0b101}} "
                "{{1_000}} {{'a'}} {{'\\n'}}"),
            "1 -2 3 1.5 1 1000 31 15 15 5 1000 97 10");
  EXPECT_EQ(run("{{true}} {{false}}"), "true false");
  EXPECT_TRUE(contains(error_of("{{1a}}"), "bad number syntax: \"1a\""));
  EXPECT_TRUE(contains(error_of("{{99999999999999999999}}"), "integer overflow"));
  EXPECT_TRUE(contains(error_of("{{18446744073709551615}}"), "18446744073709551615 overflows int"));
  EXPECT_TRUE(contains(error_of("{{1e999}}"), "illegal number syntax"));
  EXPECT_TRUE(contains(error_of("{{1+2i}}"), "complex constants are not supported"));
  EXPECT_TRUE(contains(error_of("{{'ab'}}"), "malformed character constant"));
  EXPECT_TRUE(contains(error_of("{{'a}}"), "unterminated character constant"));
  EXPECT_TRUE(contains(error_of("{{1__0}}"), "illegal number syntax"));
}

TEST(GoTemplate, NilIsNotACommand) {
  EXPECT_TRUE(contains(error_of("{{nil}}"), "nil is not a command"));
  EXPECT_EQ(run("{{json nil}} {{print nil}}"), "null <nil>");
  EXPECT_TRUE(contains(error_of("{{upper nil}}"), "cannot assign nil to string"));
}

// --- variables ------------------------------------------------------------------

TEST(GoTemplate, Variables) {
  EXPECT_EQ(run("{{$x := .Tag}}{{$x}}"), "latest");
  EXPECT_EQ(run("{{$x := 1}}{{$x = 2}}{{$x}}"), "2");
  EXPECT_EQ(run("{{with .Config}}{{$.Tag}} {{len .Env}}{{end}}"), "latest 2");
  EXPECT_EQ(run("{{$.Config.Env}}"), "[A=1 B=2]");
  EXPECT_EQ(run("{{$c := .Config}}{{$c.Labels.maintainer}}"), "NGINX <docker@nginx.com>");
  EXPECT_EQ(run("{{$x := 1}}{{range .Config.Env}}{{$x = .}}{{end}}{{$x}}"), "B=2");
  EXPECT_EQ(run("{{$n := .Null}}{{$n}}|{{$n.Deeper}}"), "<no value>|<no value>");
}

TEST(GoTemplate, VariableErrors) {
  EXPECT_EQ(error_of("{{$x}}"), "template: format:1:2: undefined variable \"$x\"");
  EXPECT_TRUE(
      contains(error_of("{{if true}}{{$x := 1}}{{end}}{{$x}}"), "undefined variable \"$x\""));
  EXPECT_TRUE(contains(error_of("{{$y = 1}}"), "undefined variable: $y"));
  EXPECT_TRUE(contains(error_of("{{$x := 1}}{{$x 2}}"), "can't give argument to non-function $x"));
  EXPECT_TRUE(contains(error_of("{{$x=1}}"), "bad character U+003D '='"));
  EXPECT_TRUE(contains(error_of("{{$x :- 1}}"), "expected :="));
}

// --- range ----------------------------------------------------------------------

TEST(GoTemplate, RangeOverArrays) {
  EXPECT_EQ(run("{{range .RepoTags}}{{.}}\n{{end}}"),
            "docker.io/library/busybox:latest\nlocalhost/bb:1\n");
  EXPECT_EQ(run("{{range $i, $v := .Config.Env}}{{$i}}={{$v}};{{end}}"), "0=A=1;1=B=2;");
  EXPECT_EQ(run("{{range $v := .Config.Env}}{{$v}},{{end}}"), "A=1,B=2,");
  EXPECT_EQ(run("{{range .Images}}{{.Name}}{{end}}"), "ab");
}

TEST(GoTemplate, RangeOverObjectsInSortedKeyOrder) {
  EXPECT_EQ(run("{{range $k, $v := .Labels}}{{$k}}={{$v}} {{end}}"),
            "alpha=first maintainer=me zeta=last ");
  EXPECT_EQ(run("{{range .Labels}}{{.}},{{end}}"), "first,me,last,");
}

TEST(GoTemplate, RangeElseForNothingToIterate) {
  EXPECT_EQ(run("{{range .Empty}}x{{else}}none{{end}}"), "none");
  EXPECT_EQ(run("{{range .EmptyMap}}x{{else}}none{{end}}"), "none");
  EXPECT_EQ(run("{{range .Nope}}x{{else}}none{{end}}"), "none");
  EXPECT_EQ(run("{{range .Null}}x{{else}}none{{end}}"), "none");
  EXPECT_EQ(run("{{range .Config.Env}}{{.}}{{else}}none{{end}}"), "A=1B=2");
}

TEST(GoTemplate, RangeOverIntegers) {
  EXPECT_EQ(run("{{range 3}}{{.}}{{end}}"), "012");
  EXPECT_EQ(run("{{range $i := 2}}[{{$i}}]{{end}}"), "[0][1]");
  EXPECT_EQ(run("{{range 0}}x{{else}}empty{{end}}"), "empty");
  EXPECT_TRUE(contains(error_of("{{range $i, $j := 3}}{{end}}"),
                       "can't use 3 to iterate over more than one variable"));
}

TEST(GoTemplate, RangeOverScalarIsAnError) {
  EXPECT_TRUE(contains(error_of("{{range .Tag}}{{end}}"), "range can't iterate over latest"));
  EXPECT_TRUE(contains(error_of("{{range .Ratio}}{{end}}"), "range can't iterate over 1.5"));
}

TEST(GoTemplate, BreakAndContinue) {
  EXPECT_EQ(run("{{range 10}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}"), "012");
  EXPECT_EQ(run("{{range 5}}{{if eq . 1 3}}{{continue}}{{end}}{{.}}{{end}}"), "024");
  EXPECT_EQ(run("{{range 2}}{{range 5}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}};{{end}}"),
            "01;01;");
  EXPECT_TRUE(contains(error_of("{{break}}"), "{{break}} outside {{range}}"));
  EXPECT_TRUE(contains(error_of("{{range .Empty}}{{else}}{{continue}}{{end}}"),
                       "{{continue}} outside {{range}}"));
  EXPECT_TRUE(contains(error_of("{{range 1}}{{break 1}}{{end}}"), "unexpected \"1\" in {{break}}"));
}

TEST(GoTemplate, RangeDeclarationErrors) {
  EXPECT_TRUE(contains(error_of("{{range $i, 3}}{{end}}"), "range can only initialize variables"));
  EXPECT_TRUE(
      contains(error_of("{{range $a, $b, $c := .}}{{end}}"), "too many declarations in range"));
  EXPECT_TRUE(contains(error_of("{{if $a, $b := .}}{{end}}"), "too many declarations in if"));
}

// --- if / with ------------------------------------------------------------------

TEST(GoTemplate, IfElseIfElse) {
  const char* t = "{{if eq .Tag \"x\"}}x{{else if eq .Tag \"latest\"}}L{{else}}other{{end}}";
  EXPECT_EQ(run(t), "L");
  EXPECT_EQ(run("{{if .Dangling}}d{{else if .Nope}}n{{else}}neither{{end}}"), "neither");
  EXPECT_EQ(run("{{if .ReadOnly}}ro{{end}}"), "ro");
}

TEST(GoTemplate, GoTruthiness) {
  for (const char* f : {"Dangling", "Zero", "EmptyStr", "Empty", "EmptyMap", "Null", "Nope"})
    EXPECT_EQ(run(std::string("{{if .") + f + "}}T{{else}}F{{end}}"), "F") << f;
  for (const char* t : {"Tag", "Size", "Ratio", "RepoTags", "Labels", "ReadOnly"})
    EXPECT_EQ(run(std::string("{{if .") + t + "}}T{{else}}F{{end}}"), "T") << t;
  EXPECT_EQ(run("{{if 0.0}}T{{else}}F{{end}}"), "F");
}

TEST(GoTemplate, WithAndElseWith) {
  EXPECT_EQ(run("{{with .Config}}{{.Env}}{{end}}"), "[A=1 B=2]");
  EXPECT_EQ(run("{{with .Nope}}x{{else}}no{{end}}"), "no");
  EXPECT_EQ(run("{{with .Nope}}a{{else with .Tag}}{{.}}{{else}}c{{end}}"), "latest");
  EXPECT_EQ(run("{{with $e := .Config.Env}}{{index $e 1}}{{end}}"), "B=2");
  EXPECT_TRUE(contains(error_of("{{if .A}}{{else with .B}}{{end}}"), "unexpected <with> in input"));
}

// --- pipelines --------------------------------------------------------------------

TEST(GoTemplate, PipelinesPassTheLastArgument) {
  EXPECT_EQ(run("{{.Tag | printf \"%s!\"}}"), "latest!");
  EXPECT_EQ(run("{{\"a\" | printf \"%s%s\" \"b\"}}"), "ba");
  EXPECT_EQ(run("{{.Config.Env | len}}"), "2");
  EXPECT_EQ(run("{{.Tag | upper | printf \"<%s>\"}}"), "<LATEST>");
  EXPECT_EQ(run("{{.Tag |}}"), "latest");  // Go accepts a trailing pipe
}

TEST(GoTemplate, ParenthesisedPipelines) {
  EXPECT_EQ(run("{{printf \"%s/%s\" (index .RepoTags 1) (upper .Tag)}}"), "localhost/bb:1/LATEST");
  EXPECT_EQ(run("{{(index .Images 1).Name}}"), "b");
  EXPECT_EQ(run("{{(.Config).Env}}"), "[A=1 B=2]");
  EXPECT_EQ(run("{{len (split (join .Config.Env \",\") \",\")}}"), "2");
  EXPECT_TRUE(contains(error_of("{{()}}"), "missing value for parenthesized pipeline"));
  EXPECT_TRUE(contains(error_of("{{(.Tag}}"), "unclosed left paren"));
  EXPECT_TRUE(contains(error_of("{{.Tag)}}"), "unexpected right paren"));
  EXPECT_TRUE(contains(error_of("{{(nil).X}}"), "nil is not a command"));
  EXPECT_TRUE(contains(error_of("{{nil.X}}"), "unexpected . after term \"nil\""));
}

TEST(GoTemplate, PipelineShapeErrors) {
  EXPECT_TRUE(contains(error_of("{{.Tag | \"x\"}}"), "non executable command in pipeline stage 2"));
  EXPECT_TRUE(contains(error_of("{{\"x\" 1}}"), "can't give argument to non-function \"x\""));
  EXPECT_TRUE(contains(error_of("{{.Tag 1}}"), "Tag is not a method but has arguments"));
  EXPECT_TRUE(contains(error_of("{{\"x\" | .Tag}}"), "Tag is not a method but has arguments"));
  EXPECT_TRUE(contains(error_of("{{\"a\".X}}"), "unexpected . after term \"\\\"a\\\"\""));
}

// --- functions ----------------------------------------------------------------------

TEST(GoTemplate, JsonIsCompactUnescapedAndSorted) {
  EXPECT_EQ(run("{{json .Labels}}"), R"({"alpha":"first","maintainer":"me","zeta":"last"})");
  EXPECT_EQ(run("{{json .Config.Labels}}"), R"({"maintainer":"NGINX <docker@nginx.com>"})");
  EXPECT_EQ(run("{{json .Nope}} {{json .Null}} {{json .Tag}} {{json .Size}}"),
            R"(null null "latest" 4261550)");
  EXPECT_EQ(run("{{json .}}", json::parse(R"([1.5, 1e21, 1e-7, 100.0, "a\u2028\u0001\t"])")),
            R"([1.5,1e+21,1e-7,100,"a\u2028\u0001\t"])");
  EXPECT_EQ(run("{{json .}}", json("bad \xff utf8")), R"("bad \ufffd utf8")");
}

TEST(GoTemplate, CaseFunctions) {
  EXPECT_EQ(run("{{lower \"MiXeD\"}} {{upper .Tag}} {{title \"hello wide-world_x\"}}"),
            "mixed LATEST Hello Wide-World_x");
  EXPECT_EQ(run("{{upper \"\xc3\xa9lan\"}}"), "\xc3\x89LAN");  // élan -> ÉLAN
  EXPECT_TRUE(
      contains(error_of("{{upper .Size}}"), "wrong type for value; expected string; got int"));
  EXPECT_TRUE(contains(error_of("{{upper .Nope}}"), "invalid value; expected string"));
  EXPECT_TRUE(contains(error_of("{{upper 3}}"), "expected string; found 3"));
}

TEST(GoTemplate, JoinAndSplit) {
  EXPECT_EQ(run("{{join .Config.Env \",\"}}"), "A=1,B=2");
  EXPECT_EQ(run("{{join .Empty \",\"}}"), "");
  EXPECT_EQ(run("{{split \"a,b,,c\" \",\"}} {{len (split \"\" \",\")}}"), "[a b  c] 1");
  EXPECT_EQ(run("{{split \"h\xc3\xa9\" \"\"}}"), "[h \xc3\xa9]");
  EXPECT_TRUE(contains(error_of("{{join .Mixed \",\"}}"),
                       "wrong type for value; expected []string; got []interface {}"));
  EXPECT_TRUE(contains(error_of("{{join \"abc\" \",\"}}"),
                       "can't handle \"abc\" for arg of type []string"));
}

TEST(GoTemplate, TruncateAndPad) {
  EXPECT_EQ(run("{{truncate .Repository 9}}|{{truncate .Tag 100}}"), "docker.io|latest");
  EXPECT_EQ(run("[{{pad .Tag 2 1}}][{{pad \"\" 3 3}}]"), "[  latest ][]");
  EXPECT_TRUE(contains(error_of("{{truncate .Tag -1}}"),
                       "error calling truncate: runtime error: slice bounds out of range [:-1]"));
  EXPECT_TRUE(contains(error_of("{{pad .Tag -1 0}}"), "negative Repeat count"));
  EXPECT_TRUE(contains(error_of("{{truncate .Tag 1.5}}"), "expected integer; found 1.5"));
  EXPECT_TRUE(contains(error_of("{{truncate .Tag .Ratio}}"), "expected int; got float64"));
}

TEST(GoTemplate, LenAndIndex) {
  EXPECT_EQ(run("{{len .Tag}} {{len .RepoTags}} {{len .Labels}} {{len \"h\xc3\xa9\"}}"), "6 2 3 3");
  EXPECT_EQ(run("{{index .Config.Labels \"maintainer\"}}"), "NGINX <docker@nginx.com>");
  EXPECT_EQ(run("{{index .RepoTags 1}} {{index .Images 0 \"Name\"}} {{index .Mixed 4 0}}"),
            "localhost/bb:1 a 3");
  EXPECT_EQ(run("{{index .Tag 0}}"), "108");                // a byte, as in Go
  EXPECT_EQ(run("[{{index .Labels \"missing\"}}]"), "[]");  // map[string]string's zero
  EXPECT_EQ(run("[{{index .Config \"Missing\"}}]"), "[<no value>]");
  EXPECT_EQ(run("{{index .RepoTags}}"), "[docker.io/library/busybox:latest localhost/bb:1]");
  EXPECT_TRUE(contains(error_of("{{len .Size}}"), "error calling len: len of type int"));
  EXPECT_TRUE(contains(error_of("{{len .Nope}}"), "len of nil pointer"));
  EXPECT_TRUE(contains(error_of("{{index .RepoTags 2}}"), "index out of range: 2"));
  EXPECT_TRUE(contains(error_of("{{index .RepoTags -1}}"), "index out of range: -1"));
  EXPECT_TRUE(
      contains(error_of("{{index .RepoTags \"a\"}}"), "cannot index slice/array with type string"));
  EXPECT_TRUE(contains(error_of("{{index .Labels 1}}"), "value has type int; should be string"));
  EXPECT_TRUE(contains(error_of("{{index .Size 1}}"), "can't index item of type int"));
  EXPECT_TRUE(contains(error_of("{{index .Nope 1}}"), "index of untyped nil"));
  EXPECT_TRUE(contains(error_of("{{index .Mixed 2 0}}"), "index of nil pointer"));
}

TEST(GoTemplate, Slice) {
  EXPECT_EQ(run("{{slice .Tag 1 3}} {{slice .Config.Env 1}} {{slice .Mixed 0 2}}"),
            "at [B=2] [1 two]");
  EXPECT_TRUE(contains(error_of("{{slice .Tag 3 1}}"), "invalid slice index: 3 > 1"));
  EXPECT_TRUE(contains(error_of("{{slice .Tag 0 1 2}}"), "cannot 3-index slice a string"));
  EXPECT_TRUE(contains(error_of("{{slice .Size 0}}"), "can't slice item of type int"));
}

TEST(GoTemplate, Comparisons) {
  EXPECT_EQ(
      run("{{eq .Tag \"latest\"}} {{ne .Tag \"latest\"}} {{eq .Size 4261550}} {{eq 1 2 3 1}}"),
      "true false true true");
  EXPECT_EQ(run("{{lt 1 2}} {{le 2 2}} {{gt 1 2}} {{ge 2 3}} {{lt \"a\" \"b\"}} {{lt 1.5 2.5}}"),
            "true true false false true true");
  EXPECT_EQ(run("{{eq .Nope .Null}} {{eq .Nope \"x\"}}"), "true false");
  EXPECT_TRUE(
      contains(error_of("{{eq 1 1.0}}"), "error calling eq: incompatible types for comparison"));
  EXPECT_TRUE(contains(error_of("{{lt true false}}"), "invalid type for comparison"));
  EXPECT_TRUE(contains(error_of("{{lt .Nope 1}}"), "invalid type for comparison"));
  EXPECT_TRUE(contains(error_of("{{eq .Empty .Empty}}"), "non-comparable type []: []interface {}"));
  EXPECT_TRUE(contains(error_of("{{eq 1}}"), "missing argument for comparison"));
}

TEST(GoTemplate, AndOrNotShortCircuit) {
  EXPECT_EQ(
      run("{{and 1 0}} {{and 1 \"x\"}} {{or 0 \"\"}} {{or 0 \"x\"}} {{not .Empty}} {{not 1}}"),
      "0 x  x true false");
  // The failing index is never evaluated.
  EXPECT_EQ(run("{{or .Tag (index .RepoTags 99)}} {{and .Nope (index .RepoTags 99)}}"),
            "latest <no value>");
  EXPECT_EQ(run("{{if and .Tag .ReadOnly}}both{{end}}"), "both");
  EXPECT_EQ(run("{{.Tag | and 1}}"), "latest");
}

TEST(GoTemplate, PrintAndPrintln) {
  EXPECT_EQ(run("{{print 1 2 \"a\" \"b\" 3 .Null}}"), "1 2ab3 <nil>");
  EXPECT_EQ(run("{{println .Tag 1 .Config.Env}}"), "latest 1 [A=1 B=2]\n");
  EXPECT_EQ(run("{{print}}"), "");
}

TEST(GoTemplate, PrintfVerbs) {
  EXPECT_EQ(run("{{printf \"%s|%d|%v|%q|%t|%x|%X|%o|%b|%c|%U|%%\" .Tag 42 .Ratio .Tag true 255 255 "
                "8 5 65 65}}"),
            "latest|42|1.5|\"latest\"|true|ff|FF|10|101|A|U+0041|%");
  EXPECT_EQ(run("{{printf \"[%-12s][%12s][%5d][%-5d][%05d][%+d][% d]\" .Tag .Tag 42 42 -42 5 5}}"),
            "[latest      ][      latest][   42][42   ][-0042][+5][ 5]");
  EXPECT_EQ(
      run("{{printf \"%.2f|%8.3f|%e|%g|%.3g|%v\" 3.14159 2.5 123456.789 0.000012 1234.5678 1e7}}"),
      "3.14|   2.500|1.234568e+05|1.2e-05|1.23e+03|1e+07");
  EXPECT_EQ(run("{{printf \"%x|% x|%#x|%X\" \"hi\" \"hi\" 255 \"hi\"}}"), "6869|68 69|0xff|6869");
  EXPECT_EQ(run("{{printf \"%.3s|%5.1s|%q|%#q\" \"abcdef\" \"xyz\" \"a\\tb\" \"ab\"}}"),
            "abc|    x|\"a\\tb\"|`ab`");
  EXPECT_EQ(run("{{printf \"%v|%d|%s\" .Config.Env .Empty .Labels}}"),
            "[A=1 B=2]|[]|map[alpha:first maintainer:me zeta:last]");
  EXPECT_EQ(run("{{printf \"%T %T %T %T %T\" 1 1.5 \"s\" .Config.Env .Labels}}"),
            "int float64 string []interface {} map[string]interface {}");
  EXPECT_EQ(run("{{printf \"%[2]s-%[1]s\" \"a\" \"b\"}} {{printf \"%*d|%-*d|\" 4 7 3 1}}"),
            "b-a    7|1  |");
  EXPECT_EQ(run("{{printf \"%v %s\" .Nope .Nope}}"), "<nil> %!s(<nil>)");
  EXPECT_EQ(run("{{printf \"%5q\" 'x'}}"), "  'x'");
}

TEST(GoTemplate, PrintfBadVerbsReportLikeGo) {
  EXPECT_EQ(run("{{printf \"%d\" \"s\"}}"), "%!d(string=s)");
  EXPECT_EQ(run("{{printf \"%d %s\" 1}}"), "1 %!s(MISSING)");
  EXPECT_EQ(run("{{printf \"%d\" 1 2 \"x\"}}"), "1%!(EXTRA int=2, string=x)");
  EXPECT_EQ(run("{{printf \"%z\" 1}}"), "%!z(int=1)");
  EXPECT_EQ(run("{{printf \"%!\" 1}}"), "%!!(int=1)");
  EXPECT_EQ(run("{{printf \"abc%\"}}"), "abc%!(NOVERB)");
  EXPECT_EQ(run("{{printf \"%[3]d\" 1}}"), "%!d(BADINDEX)");
  EXPECT_EQ(run("{{printf \"%d\" .Mixed}}"),
            "[1 %!d(string=two) <nil> map[%!d(string=k):%!d(string=v)] [3]]");
  // Widths beyond Go's limit are not honoured.
  EXPECT_EQ(run("{{printf \"%100000000d\" 1}}"), "%!(NOVERB)%!(EXTRA int=1)");
  EXPECT_EQ(run("{{printf \"%.100000000f\" 1.0}}"), "%!(NOVERB)%!(EXTRA float64=1)");
  EXPECT_TRUE(contains(error_of("{{printf 1}}"), "expected string; found 1"));
}

TEST(GoTemplate, FunctionArityIsChecked) {
  EXPECT_EQ(error_of("{{len}}"),
            "template: format:1:2: executing \"format\" at <len>: wrong number of args for len: "
            "want 1 got 0");
  EXPECT_TRUE(contains(error_of("{{len 1 2}}"), "wrong number of args for len: want 1 got 2"));
  EXPECT_TRUE(contains(error_of("{{.Tag | len 1}}"), "wrong number of args for len: want 1 got 2"));
  EXPECT_TRUE(contains(error_of("{{and}}"), "wrong number of args for and: want at least 1 got 0"));
  EXPECT_TRUE(
      contains(error_of("{{printf}}"), "wrong number of args for printf: want at least 1 got 0"));
  EXPECT_TRUE(
      contains(error_of("{{join .RepoTags}}"), "wrong number of args for join: want 2 got 1"));
  EXPECT_TRUE(contains(error_of("{{print len}}"), "wrong number of args for len: want 1 got 0"));
}

// --- malformed templates ------------------------------------------------------------

TEST(GoTemplate, ParseErrorsAreOneLineWithPosition) {
  EXPECT_EQ(error_of("{{.Tag }"), "template: format:1:7: unexpected \"}\" in operand");
  EXPECT_EQ(error_of("{{.Tag"), "template: format:1:6: unclosed action");
  EXPECT_EQ(error_of("abc {{"), "template: format:1:6: unclosed action");
  EXPECT_EQ(error_of("{{end}}"), "template: format:1:5: unexpected {{end}}");
  EXPECT_EQ(error_of("{{else}}"), "template: format:1:6: unexpected {{else}}");
  EXPECT_EQ(error_of("{{nope .Tag}}"), "template: format:1:2: function \"nope\" not defined");
  EXPECT_TRUE(contains(error_of("{{if .Tag}}x"), "unexpected EOF"));
  EXPECT_TRUE(contains(error_of("{{range .RepoTags}}"), "unexpected EOF"));
  EXPECT_TRUE(contains(error_of("{{if}}{{end}}"), "missing value for if"));
  EXPECT_TRUE(contains(error_of("{{}}"), "missing value for command"));
  EXPECT_TRUE(
      contains(error_of("{{if 1}}{{else}}{{else}}{{end}}"), "expected end; found {{else}}"));
  EXPECT_EQ(error_of("{{.Tag @}}"), "template: format:1:7: unexpected \"@\" in operand");
  EXPECT_TRUE(contains(error_of("{{\x01}}"), "unrecognized character in action: U+0001"));
  EXPECT_TRUE(contains(error_of("{{.Tag%}}"), "bad character U+0025 '%'"));
  EXPECT_TRUE(contains(error_of("{{define \"x\"}}{{end}}"), "{{define}} is not supported"));
  EXPECT_TRUE(contains(error_of("{{template \"x\"}}"), "{{template}} is not supported"));
  EXPECT_TRUE(contains(error_of("{{block \"x\" .}}{{end}}"), "{{block}} is not supported"));
  EXPECT_TRUE(contains(error_of("{{html .Tag}}"), "function \"html\" not defined"));
  for (const char* bad : {"}}", "{{{{", "{{.Tag}}}}", "{{ - }}"}) {
    std::string e = error_of(bad);
    EXPECT_TRUE(e == "(no error)" || e.rfind("template: format:", 0) == 0) << bad << ": " << e;
  }
}

TEST(GoTemplate, ParseErrorsNeverExecute) {
  EXPECT_THROW(Template::parse("{{.A}}{{if}}"), nook::Error);
  EXPECT_THROW(Template::parse("{{range}}{{end}}"), nook::Error);
  EXPECT_THROW(Template::parse("{{with}}{{end}}"), nook::Error);
}

// --- hostile templates ----------------------------------------------------------------

TEST(GoTemplate, NestingDepthIsBounded) {
  std::string deep;
  for (int i = 0; i < 101; ++i) deep += "{{if 1}}";
  EXPECT_TRUE(contains(error_of(deep), "nesting too deep"));
  std::string parens = "{{print " + std::string(500, '(') + "1" + std::string(500, ')') + "}}";
  EXPECT_TRUE(contains(error_of(parens), "nesting too deep"));
  std::string ok;
  for (int i = 0; i < 50; ++i) ok += "{{if 1}}";
  ok += "x";
  for (int i = 0; i < 50; ++i) ok += "{{end}}";
  EXPECT_EQ(run(ok), "x");
}

TEST(GoTemplate, OutputSizeIsBounded) {
  ExecLimits lim;
  lim.max_output_bytes = 1000;
  EXPECT_TRUE(contains(error_of("{{range 100000}}xxxxxxxxxx{{end}}", image(), lim),
                       "output exceeds the limit of 1000 bytes"));
  EXPECT_TRUE(contains(error_of("{{printf \"%999999d\" 1}}", image(), lim), "exceeds the limit"));
  // A string doubled in a loop fails long before it is large.
  EXPECT_TRUE(contains(
      error_of("{{$s := \"ab\"}}{{range 64}}{{$s = printf \"%s%s\" $s $s}}{{end}}", image(), lim),
      "error calling printf: result exceeds the limit"));
  EXPECT_TRUE(contains(error_of("{{pad \"x\" 5000 0}}", image(), lim), "exceeds the limit"));
  EXPECT_EQ(Template::parse("{{range 10}}x{{end}}").execute(image(), lim), "xxxxxxxxxx");
}

TEST(GoTemplate, ExecutionTimeIsBounded) {
  ExecLimits lim;
  lim.max_steps = 100000;
  EXPECT_TRUE(contains(error_of("{{range 1000000000000}}{{end}}", image(), lim),
                       "execution exceeded 100000 steps"));
  EXPECT_TRUE(contains(
      error_of("{{range 1000}}{{range 1000}}{{range 1000}}{{end}}{{end}}{{end}}", image(), lim),
      "execution exceeded"));
}

// --- API ---------------------------------------------------------------------------------

TEST(GoTemplate, ExecuteEachSetsDotPerRowAndDollarToAll) {
  json rows = json::parse(R"([{"ID":"a"},{"ID":"b"}])");
  EXPECT_EQ(Template::parse("{{.ID}}:{{len $}};").execute_each(rows), "a:2;b:2;");
  EXPECT_EQ(Template::parse("x").execute_each(json()), "");
  EXPECT_THROW(Template::parse("x").execute_each(json(1)), nook::Error);
}

TEST(GoTemplate, TemplatesAreReusableAndCopyable) {
  Template t = Template::parse("{{.ID}}");
  Template copy = t;
  EXPECT_EQ(t.execute(json::parse(R"({"ID":"1"})")), "1");
  EXPECT_EQ(copy.execute(json::parse(R"({"ID":"2"})")), "2");
  EXPECT_EQ(copy.name(), "format");
  EXPECT_EQ(copy.text(), "{{.ID}}");
}

TEST(GoTemplate, FieldNames) {
  auto names = Template::parse(
                   "{{.ID}} {{.Config.Env}} {{range .RepoTags}}{{.}}{{end}} {{$.Size}} "
                   "{{if .Tag}}{{.ID}}{{end}} {{(index .X 0).Y}} {{len .Labels}}")
                   .field_names();
  EXPECT_EQ(names,
            (std::vector<std::string>{"Config", "ID", "Labels", "RepoTags", "Size", "Tag", "X"}));
}

}  // namespace
