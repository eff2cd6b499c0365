// tests/support/pg_cluster.cpp
#include "tests/support/pg_cluster.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace rapport::testing {
namespace {

const std::filesystem::path kBin = "/usr/lib/postgresql/15/bin";

struct Account {
  bool switch_user = false;  // true when running as root: run PostgreSQL as `nobody`
  uid_t uid = 0;
  gid_t gid = 0;
};

Account cluster_account() {
  Account account;
  if (::geteuid() != 0) return account;
  const passwd* nobody = ::getpwnam("nobody");
  if (nobody == nullptr) throw std::runtime_error("PgCluster: running as root and no user nobody");
  account.switch_user = true;
  account.uid = nobody->pw_uid;
  account.gid = nobody->pw_gid;
  return account;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `argv` (argv[0] an absolute path) as the cluster's account in `dir`, output appended
// to `log`; returns its exit status (-1 when it could not run).
int run(const Account& account, const std::vector<std::string>& argv,
        const std::filesystem::path& dir, const std::filesystem::path& log_file) {
  // Everything the child needs is prepared before fork (only async-signal-safe calls after).
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string dir_text = dir.string();
  const int out = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (out < 0) return -1;
  if (account.switch_user && ::fchown(out, account.uid, account.gid) != 0) {
    ::close(out);
    return -1;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out);
    return -1;
  }
  if (pid == 0) {
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    if (account.switch_user) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(account.gid) != 0 ||
          ::setuid(account.uid) != 0) {
        ::_exit(126);
      }
    }
    if (::chdir(dir_text.c_str()) != 0) ::_exit(126);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

PgCluster& PgCluster::shared() {
  static PgCluster cluster;
  return cluster;
}

PgCluster::PgCluster() {
  // A short path: a Unix socket's path is limited to 107 bytes.
  std::string pattern = "/tmp/rapport-pg-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("PgCluster: mkdtemp failed");
  dir_ = pattern;
  const passwd* me = ::getpwuid(::geteuid());
  superuser_ = me != nullptr ? me->pw_name : "postgres";
  const Account account = cluster_account();
  if (account.switch_user && ::chown(dir_.c_str(), account.uid, account.gid) != 0) {
    throw std::runtime_error("PgCluster: cannot hand " + dir_.string() + " to nobody");
  }
  const auto server_log = dir_ / "postgres.log";
  const auto data = dir_ / "data";
  // --no-sync: initdb's own files need not reach the disk (a throwaway cluster); the
  // server itself runs with fsync on.
  if (run(account,
          {(kBin / "initdb").string(), "--pgdata=" + data.string(), "--username=" + superuser_,
           "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"},
          dir_, server_log) != 0) {
    throw std::runtime_error("PgCluster: initdb failed:\n" + read_file(server_log));
  }
  {
    std::ofstream conf(data / "postgresql.conf", std::ios::app);
    conf << "\n# tests/support/pg_cluster.cpp\nlisten_addresses = ''\n"
         << "unix_socket_directories = '" << dir_.string() << "'\n"
         << "fsync = on\nsynchronous_commit = on\nmax_connections = 40\n"
         << "shared_buffers = 64MB\n";
  }
  if (run(account,
          {(kBin / "pg_ctl").string(), "--pgdata=" + data.string(), "--log=" + server_log.string(),
           "--wait", "--timeout=60", "start"},
          dir_, dir_ / "pg_ctl.log") != 0) {
    throw std::runtime_error("PgCluster: pg_ctl start failed:\n" + read_file(dir_ / "pg_ctl.log") +
                             read_file(server_log));
  }
  running_ = true;
}

PgCluster::~PgCluster() {
  if (running_) {
    (void)run(cluster_account(),
              {(kBin / "pg_ctl").string(), "--pgdata=" + (dir_ / "data").string(), "--mode=fast",
               "--wait", "stop"},
              dir_, dir_ / "pg_ctl.log");
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PgCluster::fresh_database() {
  const std::string name = "rapport" + std::to_string(++databases_);
  if (run(cluster_account(),
          {(kBin / "createdb").string(), "--host=" + dir_.string(), "--username=" + superuser_,
           name},
          dir_, dir_ / "createdb.log") != 0) {
    throw std::runtime_error("PgCluster: createdb failed:\n" + read_file(dir_ / "createdb.log"));
  }
  return "postgresql:///" + name + "?host=" + dir_.string();
}

}  // namespace rapport::testing
