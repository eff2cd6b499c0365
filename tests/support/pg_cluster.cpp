// tests/support/pg_cluster.cpp
#include "tests/support/pg_cluster.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
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

// The account that runs the cluster's programs: the caller, or `nobody` under root.
std::string superuser_name() {
  const passwd* me = ::getpwuid(::geteuid());
  return me != nullptr ? me->pw_name : "postgres";
}

// Makes a cluster in a new folder under /tmp, starts it and returns the folder.
std::filesystem::path make_cluster() {
  // A short path: a Unix socket's path is limited to 107 bytes.
  std::string pattern = "/tmp/rapport-pg-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("PgCluster: mkdtemp failed");
  const std::filesystem::path dir = pattern;
  const Account account = cluster_account();
  if (account.switch_user && ::chown(dir.c_str(), account.uid, account.gid) != 0) {
    throw std::runtime_error("PgCluster: cannot hand " + dir.string() + " to nobody");
  }
  const auto server_log = dir / "postgres.log";
  const auto data = dir / "data";
  // --no-sync: initdb's own files need not reach the disk (a throwaway cluster); the
  // server itself runs with fsync on.
  if (run(account,
          {(kBin / "initdb").string(), "--pgdata=" + data.string(),
           "--username=" + superuser_name(), "--auth=trust", "--encoding=UTF8", "--locale=C",
           "--no-sync"},
          dir, server_log) != 0) {
    throw std::runtime_error("PgCluster: initdb failed:\n" + read_file(server_log));
  }
  {
    // max_connections: two test processes at once (ctest -j2), each with a few stores, and
    // the multi-instance tests' two servers with their own connections.
    std::ofstream conf(data / "postgresql.conf", std::ios::app);
    conf << "\n# tests/support/pg_cluster.cpp\nlisten_addresses = ''\n"
         << "unix_socket_directories = '" << dir.string() << "'\n"
         << "fsync = on\nsynchronous_commit = on\nmax_connections = 100\n"
         << "shared_buffers = 64MB\n";
  }
  if (run(account,
          {(kBin / "pg_ctl").string(), "--pgdata=" + data.string(), "--log=" + server_log.string(),
           "--wait", "--timeout=60", "start"},
          dir, dir / "pg_ctl.log") != 0) {
    throw std::runtime_error("PgCluster: pg_ctl start failed:\n" + read_file(dir / "pg_ctl.log") +
                             read_file(server_log));
  }
  return dir;
}

void stop_cluster(const std::filesystem::path& dir) {
  if (std::filesystem::exists(dir / "data" / "postmaster.pid")) {
    (void)run(cluster_account(),
              {(kBin / "pg_ctl").string(), "--pgdata=" + (dir / "data").string(), "--mode=fast",
               "--wait", "stop"},
              dir, dir / "pg_ctl.log");
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

// The fixture folder's record of where its cluster runs ("" when none).
std::filesystem::path recorded_cluster(const std::filesystem::path& folder) {
  std::string dir = read_file(folder / "socket_dir");
  while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
  return dir;
}

}  // namespace

PgCluster& PgCluster::shared() {
  static const std::unique_ptr<PgCluster> cluster = [] {
    const char* folder = std::getenv(kEnvironment);
    if (folder == nullptr || *folder == '\0') return std::make_unique<PgCluster>();
    const auto dir = recorded_cluster(folder);
    if (dir.empty() || !std::filesystem::exists(dir / "data" / "postmaster.pid")) {
      throw std::runtime_error(std::string("PgCluster: ") + kEnvironment + "=" + folder +
                               " but no cluster runs there: run the tests through ctest (its "
                               "fixture pg.cluster.start starts it), or unset " +
                               kEnvironment + " to start one for this program");
    }
    return std::unique_ptr<PgCluster>(new PgCluster(Attach{}, dir));
  }();
  return *cluster;
}

void PgCluster::start_shared(const std::filesystem::path& folder) {
  stop_shared(folder);  // a cluster left by a run that was killed
  std::filesystem::create_directories(folder);
  const auto dir = make_cluster();
  std::ofstream(folder / "socket_dir") << dir.string() << '\n';
}

void PgCluster::stop_shared(const std::filesystem::path& folder) {
  const auto dir = recorded_cluster(folder);
  if (!dir.empty()) stop_cluster(dir);
  std::error_code ignored;
  std::filesystem::remove_all(folder, ignored);
}

PgCluster::PgCluster() : dir_(make_cluster()), superuser_(superuser_name()), owned_(true) {}

PgCluster::PgCluster(Attach, std::filesystem::path dir)
    : dir_(std::move(dir)), superuser_(superuser_name()) {}

PgCluster::~PgCluster() {
  if (owned_) {
    stop_cluster(dir_);
    return;
  }
  // The fixture's cluster outlives this process: leave it as found.
  for (const auto& name : databases_) {
    (void)run(cluster_account(),
              {(kBin / "dropdb").string(), "--host=" + dir_.string(), "--username=" + superuser_,
               "--if-exists", "--force", name},
              dir_, dir_ / "dropdb.log");
  }
}

std::string PgCluster::fresh_database() {
  // Unique among processes sharing the cluster, and across runs (pids come back).
  std::random_device entropy;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", entropy());
  const std::string name = "rapport_" + std::to_string(::getpid()) + "_" +
                           std::to_string(databases_.size() + 1) + "_" + suffix;
  if (run(cluster_account(),
          {(kBin / "createdb").string(), "--host=" + dir_.string(), "--username=" + superuser_,
           name},
          dir_, dir_ / "createdb.log") != 0) {
    throw std::runtime_error("PgCluster: createdb failed:\n" + read_file(dir_ / "createdb.log"));
  }
  databases_.push_back(name);
  return "postgresql:///" + name + "?host=" + dir_.string();
}

}  // namespace rapport::testing
