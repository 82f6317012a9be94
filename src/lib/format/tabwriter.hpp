#pragma once
// Go's text/tabwriter (elastic tabstops): cells are tab-terminated; a column
// is a run of adjacent lines that have a cell in it, and every cell of a
// column is padded to the widest one plus padding (at least min_width). The
// last cell of a line is not part of any column and is not padded. Widths
// count UTF-8 runes, not bytes. A line without tabs ends all columns.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nook::format {

struct TabWriterConfig {
  // Go's flags.
  static constexpr unsigned kAlignRight = 1u << 2;
  static constexpr unsigned kStripEscape = 1u << 1;  // drop the 0xff escape bytes
  static constexpr unsigned kDiscardEmptyColumns = 1u << 3;
  static constexpr unsigned kTabIndent = 1u << 4;
  static constexpr unsigned kDebug = 1u << 5;  // '|' between columns

  // podman's report.Formatter: NewWriter(w, 12, 2, 2, ' ', StripEscape).
  size_t min_width = 12;
  size_t tab_width = 2;
  size_t padding = 2;
  char pad_char = ' ';
  unsigned flags = kStripEscape;
};

class TabWriter {
 public:
  explicit TabWriter(TabWriterConfig config = {});
  // Text between two 0xff bytes is one opaque run (tabs in it do not split
  // cells), as in Go.
  void write(std::string_view text);
  // Formats what is buffered and returns all output produced so far.
  std::string flush();

 private:
  struct Cell {
    size_t size = 0;   // bytes
    size_t width = 0;  // runes
    bool htab = false;
  };

  void append(std::string_view text);
  void update_width();
  size_t terminate_cell(bool htab);
  void end_escape();
  void flush_buffered();
  void format();
  size_t write_lines(size_t pos, size_t line0, size_t line1);
  void write_padding(size_t textw, size_t cellw, bool use_tabs);

  TabWriterConfig cfg_;
  std::string buf_;
  size_t pos_ = 0;
  Cell cell_;
  char end_char_ = 0;
  std::vector<std::vector<Cell>> lines_;
  std::vector<size_t> widths_;
  std::string out_;
};

// Aligns all of text at once.
std::string tabwrite(std::string_view text, const TabWriterConfig& config = {});

}  // namespace nook::format
