// server/ctl/progress_printer.h
//
// rapportctl's one way of showing progress of long work (fits, refreshes, seeding) on stderr.

#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>

#include "server/analytics/progress.h"

namespace rapport::ctl {

// Prints the library's progress reports on stderr: on a terminal one line rewritten in place
// (and cleared at the end), otherwise (with --progress) a line per stage and per 10 %.
// Nothing at all when stderr is not a terminal and --progress was not given.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool forced)
      : tty_(::isatty(STDERR_FILENO) == 1), enabled_(forced || tty_) {}
  ~ProgressPrinter() { clear(); }
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;

  [[nodiscard]] analytics::ProgressCallback callback() {
    if (!enabled_) return {};
    return [this](const analytics::Progress& p) { print(p); };
  }

  // The line on a terminal is erased, so later messages start on a clean line.
  void clear() {
    if (tty_ && line_open_) std::fputs("\r\033[K", stderr);
    line_open_ = false;
  }

 private:
  void print(const analytics::Progress& p) {
    const bool new_stage = p.stage != stage_;
    if (new_stage) {
      stage_ = std::string(p.stage);
      last_percent_ = -1;
    }
    if (p.total == 0) {
      if (new_stage) show(stage_ + " ...");
      return;
    }
    const int percent =
        static_cast<int>(100.0 * static_cast<double>(p.done) / static_cast<double>(p.total));
    if (percent == last_percent_) return;
    if (!tty_ && percent % 10 != 0) return;
    last_percent_ = percent;
    show(stage_ + ": " + std::to_string(percent) + " % (" + std::to_string(p.done) + " of " +
         std::to_string(p.total) + ")");
  }

  void show(const std::string& text) {
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", text.c_str());
      line_open_ = true;
    } else {
      std::fprintf(stderr, "%s\n", text.c_str());
    }
  }

  bool tty_;
  bool enabled_;
  bool line_open_ = false;
  std::string stage_;
  int last_percent_ = -1;
};

}  // namespace rapport::ctl
