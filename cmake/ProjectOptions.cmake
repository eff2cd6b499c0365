# Every build option of Rapport, in one place. Flags travel as INTERFACE targets
# (rapport::build_flags, rapport::warnings) that each target links PRIVATE.
include_guard(GLOBAL)

option(RAPPORT_WARNINGS_AS_ERRORS "Treat compiler warnings as errors (ci preset)" OFF)
option(RAPPORT_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(RAPPORT_BUILD_TESTS "Build the Catch2 test executables" ON)
option(RAPPORT_FUZZ "Link fuzz targets with libFuzzer (clang only; clang-fuzz preset)" OFF)

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

find_program(RAPPORT_CCACHE ccache)
if(RAPPORT_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${RAPPORT_CCACHE})
endif()

add_library(rapport_build_flags INTERFACE)
add_library(rapport::build_flags ALIAS rapport_build_flags)
# Includes are rooted at the repository root, so each include line names its component.
target_include_directories(rapport_build_flags INTERFACE ${PROJECT_SOURCE_DIR})
if(RAPPORT_SANITIZE)
  target_compile_options(rapport_build_flags INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(rapport_build_flags INTERFACE -fsanitize=address,undefined)
endif()

add_library(rapport_warnings INTERFACE)
add_library(rapport::warnings ALIAS rapport_warnings)
target_compile_options(rapport_warnings INTERFACE
  -Wall                 # the common set
  -Wextra               # and the next most useful
  -Wpedantic            # no GNU extensions by accident
  -Wshadow              # a local hiding a member or outer name is a classic bug
  -Wconversion          # silent narrowing of sizes and amounts
  -Wsign-conversion     # size_t vs int mixups
  -Wold-style-cast      # casts we can grep for
  -Wnon-virtual-dtor    # interfaces deleted through base pointers
  -Woverloaded-virtual  # an overload hiding a virtual
  -Wimplicit-fallthrough  # a missing break in a switch
  -Wsuggest-override    # every override says so
  # Not -Wnull-dereference: it only works with optimisation, and at -O2 GCC 12 reports
  # every boost::system::result accessor used after a has_value() check (our Result<T>)
  # as a potential null dereference. ASan/UBSan in the ci preset catch the real ones.
)
if(RAPPORT_WARNINGS_AS_ERRORS)
  target_compile_options(rapport_warnings INTERFACE -Werror)
endif()
