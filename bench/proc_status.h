// bench/proc_status.h
//
// What a benchmark reads about a process's memory from /proc (Linux): one field of
// /proc/PID/status in kB ("VmRSS", "VmHWM", "RssAnon", "RssFile"), or -1 when absent.

#pragma once

#include <sys/types.h>

#include <fstream>
#include <string>

namespace rapport::bench {

inline long status_kb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

}  // namespace rapport::bench
