// terminal/screen/staff_command.cpp
#include "terminal/screen/staff_command.h"

#include <cstdlib>
#include <iostream>

#include "shared/config/config_file.h"
#include "terminal/local_database.h"
#include "terminal/screen/staff_pins.h"
#include "terminal/terminal_config.h"

namespace rapport::terminal {

int run_staff_add(const std::string& config_path, const std::string& name,
                  std::istream& pin_input) {
  if (!is_valid_staff_name(name)) {
    std::cerr << "error: --name must be 1 to 64 characters, without control characters\n";
    return 2;
  }
  std::string pin;
  std::getline(pin_input, pin);
  if (!pin.empty() && pin.back() == '\r') pin.pop_back();
  if (!is_valid_pin(pin)) {
    std::cerr << "error: the PIN (one line on standard input) must be 4 to 12 digits\n";
    return 2;
  }
  try {
    const auto config = load_terminal_config(config_path);
    auto db = open_local_database(config.database);
    if (!db) {
      std::cerr << "error: cannot open " << config.database.string() << ": "
                << db.error().message() << "\n";
      return EXIT_FAILURE;
    }
    StaffPins staff(*db);
    const auto added = staff.set_pin(name, pin, std::chrono::system_clock::now());
    if (!added) {
      std::cerr << "error: cannot store the PIN: " << added.error().message() << "\n";
      return EXIT_FAILURE;
    }
    std::cout << "cashier " << added->name << " (id " << added->id
              << ") can sign in to the cashier screen with this PIN\n";
    return EXIT_SUCCESS;
  } catch (const config::ConfigError& e) {
    std::cerr << "error: " << e.what() << "\n";
  }
  return EXIT_FAILURE;
}

}  // namespace rapport::terminal
