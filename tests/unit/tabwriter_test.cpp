// Go text/tabwriter emulation: podman's settings, Go's documented examples
// (elastic columns, trailing tabs, alignment, debug bars), UTF-8 widths,
// escapes and inputs that would break a recursive implementation.
#include <gtest/gtest.h>

#include <string>

#include "format/tabwriter.hpp"

using nook::format::tabwrite;
using nook::format::TabWriter;
using nook::format::TabWriterConfig;

namespace {

TabWriterConfig config(size_t minwidth, size_t tabwidth, size_t padding, char padchar,
                       unsigned flags) {
  TabWriterConfig c;
  c.min_width = minwidth;
  c.tab_width = tabwidth;
  c.padding = padding;
  c.pad_char = padchar;
  c.flags = flags;
  return c;
}

TEST(TabWriter, PodmanDefaultsPadToTwelve) {
  EXPECT_EQ(tabwrite("ID\tTAG\tSIZE\nabc\tlatest\t1 MB\n"),
            "ID          TAG         SIZE\n"
            "abc         latest      1 MB\n");
}

TEST(TabWriter, WideColumnGetsWidestCellPlusPadding) {
  EXPECT_EQ(tabwrite("REPOSITORY\tTAG\ndocker.io/library/busybox\tlatest\n"),
            "REPOSITORY                 TAG\n"
            "docker.io/library/busybox  latest\n");
}

TEST(TabWriter, LastCellIsNotPadded) {
  EXPECT_EQ(tabwrite("a\tb\n"), "a           b\n");
  EXPECT_EQ(tabwrite("a\tb"), "a           b");  // no newline: none added
}

TEST(TabWriter, TrailingTabMakesTheLastCellAColumn) {
  EXPECT_EQ(tabwrite("a\tb\t\nc\td\t\n"),
            "a           b           \n"
            "c           d           \n");
}

TEST(TabWriter, WidthsCountRunesNotBytes) {
  EXPECT_EQ(tabwrite("\xc3\xa9\xc3\xa9\xc3\xa9\tx\nabc\ty\n", config(0, 0, 1, ' ', 0)),
            "\xc3\xa9\xc3\xa9\xc3\xa9 x\nabc y\n");
  EXPECT_EQ(tabwrite("\xe6\x97\xa5\xe6\x9c\xac\tx\nab\ty\n", config(0, 0, 1, '.', 0)),
            "\xe6\x97\xa5\xe6\x9c\xac.x\nab.y\n");
}

TEST(TabWriter, ALineWithoutTabsEndsTheColumnBlock) {
  EXPECT_EQ(tabwrite("aaaaaaaaaaaaaaaa\tb\nno tabs here\nc\td\n"),
            "aaaaaaaaaaaaaaaa  b\n"
            "no tabs here\n"
            "c           d\n");
}

TEST(TabWriter, GoElasticExample) {
  // From Go's package documentation: the b's and d's sit in the second cell
  // of their lines but belong to different columns.
  TabWriterConfig c = config(0, 0, 1, '.', TabWriterConfig::kAlignRight | TabWriterConfig::kDebug);
  EXPECT_EQ(tabwrite("a\tb\tc\naa\tbb\tcc\naaa\t\naaaa\tdddd\teeee\n", c),
            "....a|..b|c\n"
            "...aa|.bb|cc\n"
            "..aaa|\n"
            ".aaaa|.dddd|eeee\n");
}

TEST(TabWriter, GoTrailingTabExample) {
  TabWriterConfig c = config(0, 0, 3, '-', TabWriterConfig::kAlignRight | TabWriterConfig::kDebug);
  EXPECT_EQ(
      tabwrite("a\tb\taligned\t\naa\tbb\taligned\t\naaa\tbbb\tunaligned\naaaa\tbbbb\taligned\t\n",
               c),
      "------a|------b|---aligned|\n"
      "-----aa|-----bb|---aligned|\n"
      "----aaa|----bbb|unaligned\n"
      "---aaaa|---bbbb|---aligned|\n");
}

TEST(TabWriter, GoInitExampleWithTabPadding) {
  EXPECT_EQ(
      tabwrite("a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n\n", config(0, 8, 0, '\t', 0)),
      "a\tb\tc\td\t\t.\n"
      "123\t12345\t1234567\t123456789\t.\n"
      "\n");
  EXPECT_EQ(tabwrite("a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n\n",
                     config(5, 0, 1, ' ', TabWriterConfig::kAlignRight)),
            "    a     b       c         d.\n"
            "  123 12345 1234567 123456789.\n"
            "\n");
}

TEST(TabWriter, DiscardEmptyColumns) {
  // Only columns of empty cells ended by a soft tab (\v) are dropped.
  TabWriterConfig c = config(0, 0, 1, '.', TabWriterConfig::kDiscardEmptyColumns);
  EXPECT_EQ(tabwrite("a\v\vb\nc\v\vd\n", c), "a.b\nc.d\n");
  EXPECT_EQ(tabwrite("a\t\tb\nc\t\td\n", c), "a..b\nc..d\n");
  EXPECT_EQ(tabwrite("a\v\vb\nc\v\vd\n", config(0, 0, 1, '.', 0)), "a..b\nc..d\n");
}

TEST(TabWriter, TabIndentUsesTabsForLeadingEmptyCells) {
  TabWriterConfig c = config(0, 4, 1, ' ', TabWriterConfig::kTabIndent);
  EXPECT_EQ(tabwrite("\tx\n\ty\n", c), "\tx\n\ty\n");
}

TEST(TabWriter, EscapedTextIsOneOpaqueRun) {
  // With StripEscape (podman's setting) the 0xff bytes vanish and the tab
  // between them does not split the cell.
  EXPECT_EQ(tabwrite("\xff"
                     "a\tb\xff\tc\nxy\tz\n",
                     config(0, 0, 1, ' ', TabWriterConfig::kStripEscape)),
            "a\tb c\nxy  z\n");
  // Without it they stay but do not count towards the width.
  EXPECT_EQ(tabwrite("\xff"
                     "a\xff\tc\nxy\tz\n",
                     config(0, 0, 1, ' ', 0)),
            "\xff"
            "a\xff  c\nxy z\n");
  // An escape left open at the end still closes the cell.
  EXPECT_EQ(tabwrite("x\t\xffopen", config(0, 0, 1, ' ', TabWriterConfig::kStripEscape)), "x open");
}

TEST(TabWriter, FormFeedEndsABlockAndALine) {
  EXPECT_EQ(tabwrite("aaaa\tb\fc\td\n", config(0, 0, 1, ' ', 0)), "aaaa b\nc d\n");
}

TEST(TabWriter, EmptyAndNewlineOnlyInput) {
  EXPECT_EQ(tabwrite(""), "");
  EXPECT_EQ(tabwrite("\n\n"), "\n\n");
  EXPECT_EQ(tabwrite("\t\n"), "            \n");
}

TEST(TabWriter, PieceByPieceWritesGiveTheSameResult) {
  std::string text = "ID\tNAME\tSTATUS\n1\tweb\tUp 3 hours\n22\tdatabase-primary\tExited (0)\n";
  TabWriter w;
  for (char c : text) w.write(std::string_view(&c, 1));
  EXPECT_EQ(w.flush(), tabwrite(text));
}

TEST(TabWriter, ManyColumnsAndLinesDoNotExhaustTheStack) {
  std::string wide;
  for (int i = 0; i < 100000; ++i) wide += "x\t";
  wide += "end\n";
  std::string out = tabwrite(wide, config(0, 0, 1, ' ', 0));
  EXPECT_EQ(out.size(), 100000u * 2 + 4);
  std::string stairs;
  for (int i = 0; i < 2000; ++i) stairs += std::string(static_cast<size_t>(i), '\t') + "y\n";
  EXPECT_FALSE(tabwrite(stairs).empty());
}

TEST(TabWriter, TextWithoutTabsPassesThrough) {
  std::string text = "plain line\nanother one\n\nlast without newline";
  EXPECT_EQ(tabwrite(text), text);
}

}  // namespace
