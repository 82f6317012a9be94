#include "format/tabwriter.hpp"

#include <algorithm>

#include "format/utf8.hpp"

namespace nook::format {

namespace {
constexpr char kEscape = '\xff';
}

TabWriter::TabWriter(TabWriterConfig config) : cfg_(config) {
  if (cfg_.pad_char == '\t') cfg_.flags &= ~TabWriterConfig::kAlignRight;  // as Go does
  lines_.emplace_back();
}

void TabWriter::append(std::string_view text) {
  buf_ += text;
  cell_.size += text.size();
}

void TabWriter::update_width() {
  cell_.width += rune_count(std::string_view(buf_).substr(pos_));
  pos_ = buf_.size();
}

size_t TabWriter::terminate_cell(bool htab) {
  cell_.htab = htab;
  lines_.back().push_back(cell_);
  cell_ = Cell{};
  return lines_.back().size();
}

void TabWriter::end_escape() {
  update_width();
  if (!(cfg_.flags & TabWriterConfig::kStripEscape)) cell_.width -= 2;  // the escape bytes
  pos_ = buf_.size();
  end_char_ = 0;
}

void TabWriter::write(std::string_view text) {
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (end_char_ == 0) {
      switch (ch) {
        case '\t':
        case '\v':
        case '\n':
        case '\f': {
          append(text.substr(n, i - n));
          update_width();
          n = i + 1;
          size_t ncells = terminate_cell(ch == '\t');
          if (ch == '\n' || ch == '\f') {
            lines_.emplace_back();
            // A line of one cell does not affect the columns of the lines
            // after it, so everything so far can be formatted now.
            if (ch == '\f' || ncells == 1) {
              flush_buffered();
              if (ch == '\f' && (cfg_.flags & TabWriterConfig::kDebug)) out_ += "---\n";
            }
          }
          break;
        }
        case kEscape:
          append(text.substr(n, i - n));
          update_width();
          n = i;
          if (cfg_.flags & TabWriterConfig::kStripEscape) ++n;
          end_char_ = kEscape;
          break;
        default:
          break;
      }
    } else if (ch == end_char_) {
      size_t j = i + 1;
      if (cfg_.flags & TabWriterConfig::kStripEscape) j = i;
      append(text.substr(n, j - n));
      n = i + 1;
      end_escape();
    }
  }
  append(text.substr(n));
}

std::string TabWriter::flush() {
  flush_buffered();
  return std::move(out_);
}

void TabWriter::flush_buffered() {
  if (cell_.size > 0) {
    if (end_char_ != 0) end_escape();  // an unterminated escape ends here
    terminate_cell(false);
  }
  format();
  buf_.clear();
  pos_ = 0;
  cell_ = Cell{};
  end_char_ = 0;
  lines_.clear();
  lines_.emplace_back();
  widths_.clear();
}

void TabWriter::write_padding(size_t textw, size_t cellw, bool use_tabs) {
  if (cfg_.pad_char == '\t' || use_tabs) {
    if (cfg_.tab_width == 0) return;  // tabs have no width: no padding possible
    cellw = (cellw + cfg_.tab_width - 1) / cfg_.tab_width * cfg_.tab_width;
    size_t n = cellw > textw ? cellw - textw : 0;
    out_.append((n + cfg_.tab_width - 1) / cfg_.tab_width, '\t');
    return;
  }
  if (cellw > textw) out_.append(cellw - textw, cfg_.pad_char);
}

size_t TabWriter::write_lines(size_t pos, size_t line0, size_t line1) {
  for (size_t i = line0; i < line1; ++i) {
    const auto& line = lines_[i];
    bool use_tabs = cfg_.flags & TabWriterConfig::kTabIndent;
    for (size_t j = 0; j < line.size(); ++j) {
      const Cell& c = line[j];
      if (j > 0 && (cfg_.flags & TabWriterConfig::kDebug)) out_ += '|';
      if (c.size == 0) {
        if (j < widths_.size()) write_padding(c.width, widths_[j], use_tabs);
        continue;
      }
      use_tabs = false;
      if (!(cfg_.flags & TabWriterConfig::kAlignRight)) {
        out_.append(buf_, pos, c.size);
        pos += c.size;
        if (j < widths_.size()) write_padding(c.width, widths_[j], false);
      } else {
        if (j < widths_.size()) write_padding(c.width, widths_[j], false);
        out_.append(buf_, pos, c.size);
        pos += c.size;
      }
    }
    if (i + 1 == lines_.size()) {
      // The last buffered line has no newline yet: only its pending text.
      out_.append(buf_, pos, cell_.size);
      pos += cell_.size;
    } else {
      out_ += '\n';
    }
  }
  return pos;
}

// Go's recursive format(), with an explicit stack: one frame per column, so
// a line of many thousand cells cannot exhaust the call stack.
void TabWriter::format() {
  struct Frame {
    size_t line0, line1, cur;
  };
  size_t pos = 0;
  std::vector<Frame> stack{{0, lines_.size(), 0}};
  while (!stack.empty()) {
    const size_t column = widths_.size();
    Frame& f = stack.back();
    bool descended = false;
    for (; f.cur < f.line1; ++f.cur) {
      if (column + 1 >= lines_[f.cur].size()) continue;  // no cell in this column
      // A column block starts here: print the lines before it.
      pos = write_lines(pos, f.line0, f.cur);
      f.line0 = f.cur;
      size_t width = cfg_.min_width;
      bool discardable = true;
      size_t end = f.cur;
      for (; end < f.line1; ++end) {
        const auto& line = lines_[end];
        if (column + 1 >= line.size()) break;
        const Cell& c = line[column];
        width = std::max(width, c.width + cfg_.padding);
        if (c.width > 0 || c.htab) discardable = false;
      }
      if (discardable && (cfg_.flags & TabWriterConfig::kDiscardEmptyColumns)) width = 0;
      widths_.push_back(width);
      f.cur = end;  // resume after the block once the columns right of it are done
      Frame child{f.line0, end, f.line0};
      stack.push_back(child);  // invalidates f
      descended = true;
      break;
    }
    if (descended) continue;
    pos = write_lines(pos, f.line0, f.line1);
    stack.pop_back();
    if (!stack.empty()) {
      widths_.pop_back();
      Frame& parent = stack.back();
      parent.line0 = parent.cur;
      if (parent.cur < parent.line1) ++parent.cur;
    }
  }
}

std::string tabwrite(std::string_view text, const TabWriterConfig& config) {
  TabWriter w(config);
  w.write(text);
  return w.flush();
}

}  // namespace nook::format
