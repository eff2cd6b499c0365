// server/ctl/user_commands.cpp
//
// `rapportctl user add` and `rapportctl user list`: staff users of the dashboard
// (docs/dashboard.md). The password is read from the terminal without echo (twice), or as
// the first line of standard input when that is not a terminal: never from the command
// line, where other users could read it in the process list.
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>

#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "server/dashboard/staff.h"
#include "server/storage/staff_store.h"
#include "shared/crypto/password_hash.h"
#include "shared/storage/storage_errc.h"
#include "shared/util/clock.h"

namespace rapport::ctl {
namespace {

constexpr std::size_t kMinPasswordLength = 10;

std::optional<std::string> read_line_without_echo(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios saved{};
  const bool tty = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool read = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  if (!read) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> read_password() {
  if (::isatty(STDIN_FILENO) != 1) {
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  auto first = read_line_without_echo("Password: ");
  auto second = read_line_without_echo("Password again: ");
  if (!first || !second) return std::nullopt;
  if (*first != *second) {
    std::cerr << "error: the two passwords differ; nothing was created\n";
    return std::nullopt;
  }
  return first;
}

// Reads a new password (as read_password) and hashes it into `hash`: 0, or the exit code
// after saying why ("nothing was <what>").
int read_password_hash(std::string_view what, std::string& hash) {
  const auto password = read_password();
  if (!password) {
    std::cerr << "error: no password given (type it at the prompt, or pipe it on stdin)\n";
    return 1;
  }
  if (password->size() < kMinPasswordLength) {
    std::cerr << "error: the password must have at least " << kMinPasswordLength
              << " characters; nothing was " << what << "\n";
    return 2;
  }
  auto hashed = crypto::hash_password(*password);
  if (!hashed) {
    std::cerr << "error: cannot hash the password: " << hashed.error().message() << "\n";
    return 1;
  }
  hash = std::move(*hashed);
  return 0;
}

std::vector<std::string> split_stores(const std::string& text) {
  std::vector<std::string> stores;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) stores.push_back(item);
  }
  return stores;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

}  // namespace

int run_user_add(const UserAddOptions& options) {
  if (!server::is_valid_staff_name(options.name)) {
    std::cerr << "error: --name must be 1-64 letters, digits, '.', '-', '_' or '@'\n";
    return 2;
  }
  const auto role = server::staff_role_from_string(options.role);
  if (!role) {
    std::cerr << "error: --role must be cashier, store-manager, head-office or administrator\n";
    return 2;
  }
  const auto stores = split_stores(options.stores);
  if (server::is_store_scoped(*role) && stores.empty()) {
    std::cerr << "error: a " << options.role << " needs --stores (e.g. --stores S1,S2)\n";
    return 2;
  }
  if (!server::is_store_scoped(*role) && !stores.empty()) {
    std::cerr << "error: a " << options.role
              << " sees every store; leave --stores out for this role\n";
    return 2;
  }
  auto folder = open_data_folder(options.data);
  if (!folder) return 1;
  for (const auto& store : stores) {
    if (!has_store(*folder, store, options.data)) return 1;
  }
  std::string hash;
  if (const int failed = read_password_hash("created", hash); failed != 0) return failed;
  auto staff = open_staff_store(*folder);
  if (!staff) return 1;
  const auto id = staff->add_user({options.name, *role, stores, hash}, now_iso8601());
  if (!id) {
    std::cerr << "error: cannot add user '" << options.name << "': " << id.error().message();
    if (id.error() == storage::StorageErrc::kConstraint) std::cerr << " (the name is taken)";
    std::cerr << "\n";
    return 1;
  }
  std::cout << "user " << options.name << " added (" << options.role
            << (stores.empty() ? ", every store" : ", stores " + join(stores)) << ")\n";
  return 0;
}

int run_user_list(const std::filesystem::path& data) {
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  auto staff = open_staff_store(*folder);
  if (!staff) return 1;
  const auto users = staff->list_users();
  if (!users) {
    std::cerr << "error: cannot list users: " << users.error().message() << "\n";
    return 1;
  }
  for (const auto& user : *users) {
    std::cout << user.name << "\t" << server::to_string(user.role) << "\t"
              << (server::is_store_scoped(user.role) ? join(user.stores) : "*") << "\n";
  }
  return 0;
}

}  // namespace rapport::ctl

namespace rapport::ctl {
namespace {

// The store and the named user's account, or a message and nullopt.
struct NamedAccount {
  std::unique_ptr<server::StaffStore> store;
  server::StaffAccount account;
};

std::optional<NamedAccount> open_account(const std::filesystem::path& data,
                                         const std::string& name) {
  auto folder = open_data_folder(data);
  if (!folder) return std::nullopt;
  auto staff = open_staff_store(*folder);
  if (!staff) return std::nullopt;
  auto account = staff->find_user_by_name(name);
  if (!account) {
    std::cerr << "error: cannot read staff users: " << account.error().message() << "\n";
    return std::nullopt;
  }
  if (!*account) {
    std::cerr << "error: there is no staff user '" << name << "' (see rapportctl user list)\n";
    return std::nullopt;
  }
  return NamedAccount{std::move(staff), std::move(**account)};
}

bool audit_cli(server::StaffStore& store, const server::StaffAccount& account,
               const std::string& action) {
  const char* who = std::getenv("USER");
  auto written = store.record_audit({now_iso8601(), std::nullopt,
                                     std::string("rapportctl:") + (who != nullptr ? who : "?"),
                                     action, "user:" + account.user.name, "ok", "rapportctl"});
  if (!written) {
    std::cerr << "error: cannot write the audit log, nothing changed: "
              << written.error().message() << "\n";
  }
  return static_cast<bool>(written);
}

}  // namespace

int run_user_disable(const std::filesystem::path& data, const std::string& name) {
  auto named = open_account(data, name);
  if (!named) return 1;
  if (named->account.disabled) {
    std::cout << "user " << name << " was disabled already\n";
    return 0;
  }
  if (!audit_cli(*named->store, named->account, "disable-user")) return 1;
  const auto disabled = named->store->disable_user(named->account.user.id, now_iso8601());
  if (!disabled) {
    std::cerr << "error: cannot disable '" << name << "': " << disabled.error().message() << "\n";
    return 1;
  }
  std::cout << "user " << name << " disabled: they cannot log in, and their open dashboard "
            << "sessions end at their next request; run rapportctl follow-ups raise to hand "
            << "their customers on\n";
  return 0;
}

int run_user_password(const std::filesystem::path& data, const std::string& name) {
  auto named = open_account(data, name);
  if (!named) return 1;
  std::string hash;
  if (const int failed = read_password_hash("changed", hash); failed != 0) return failed;
  if (!audit_cli(*named->store, named->account, "change-password")) return 1;
  if (auto saved = named->store->set_password_hash(named->account.user.id, hash); !saved) {
    std::cerr << "error: cannot save the password: " << saved.error().message() << "\n";
    return 1;
  }
  std::cout << "password of " << name << " changed; their open dashboard sessions end at "
            << "their next request\n";
  return 0;
}

}  // namespace rapport::ctl
