// File content echoed in a message is untrusted: ANSI escapes must not reach the
// terminal, a megabyte token must not make a megabyte message, a NUL must not cut it.
#include <gtest/gtest.h>
#include <petscsys.h>

#include <string>

#include "data_testing.hpp"
#include "hyperpetsc/data/dataset.hpp"

namespace {

using hp::test::collective_user_error;
using hp::test::file_spec;

using namespace std::string_literals;

std::string error_for(const std::string& format, const std::string& text) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  // A row of padding first, so the bad row starts in a later rank's byte range.
  const std::string padding = format == "csv" ? "1,2\n" : "1 1:2\n";
  const auto spec = file_spec(PETSC_COMM_WORLD, dir, "untrusted", format, padding + text);
  return collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); });
}

// Short, printable (no control byte, no NUL) and complete (ends with `tail`).
void expect_safe(const std::string& msg, const std::string& tail) {
  EXPECT_LT(msg.size(), 300u) << msg.substr(0, 400);
  for (const char c : msg) {
    const auto b = static_cast<unsigned char>(c);
    EXPECT_FALSE(b < 0x20 || b == 0x7F) << "raw control byte " << int{b} << " in: " << msg.substr(0, 400);
  }
  ASSERT_GE(msg.size(), tail.size());
  EXPECT_EQ(msg.substr(msg.size() - tail.size()), tail) << msg.substr(0, 400);
}

TEST(UntrustedText, AnsiEscapeInALabel) {
  const std::string libsvm = error_for("libsvm", "\x1b[31mred 1:1\n");
  EXPECT_MESSAGE_HAS(libsvm, "line 2: label '\\x1B[31mred' is not a number");
  expect_safe(libsvm, "is not a number (each row starts with a numeric label)");

  const std::string csv = error_for("csv", "\x1b[31m1,2\n");
  EXPECT_MESSAGE_HAS(csv, "line 2: column 1 ('\\x1B[31m1') is not a finite number");
  expect_safe(csv, "is not a finite number");
}

TEST(UntrustedText, TwoMegabyteToken) {
  const std::string token(2 << 20, 'x');
  const std::string libsvm = error_for("libsvm", "1 3:" + token + "\n");
  EXPECT_MESSAGE_HAS(libsvm, "value 'xxxx");
  EXPECT_MESSAGE_HAS(libsvm, "…(2097152 bytes) of feature 3");
  expect_safe(libsvm, " of feature 3 is not a finite number");

  const std::string label = error_for("libsvm", token + " 1:1\n");
  expect_safe(label, "is not a number (each row starts with a numeric label)");

  const std::string index = error_for("libsvm", "1 " + token + ":1\n");
  expect_safe(index, "is not an integer");

  const std::string csv = error_for("csv", "1," + token + "\n");
  EXPECT_MESSAGE_HAS(csv, "…(2097152 bytes)");
  expect_safe(csv, "is not a finite number");
}

TEST(UntrustedText, NulByteDoesNotTruncate) {
  const std::string libsvm = error_for("libsvm", "1 2:0.5\0evil 4:1\n"s);
  EXPECT_MESSAGE_HAS(libsvm, "value '0.5\\x00evil' of feature 2");
  expect_safe(libsvm, " of feature 2 is not a finite number");

  const std::string csv = error_for("csv", "1,0.5\0evil\n"s);
  EXPECT_MESSAGE_HAS(csv, "column 2 ('0.5\\x00evil')");
  expect_safe(csv, "is not a finite number");
}

TEST(UntrustedText, InvalidUtf8AndTerminalControls) {
  // A lone continuation byte, an overlong '/', a C1 control (CSI) and DEL.
  const std::string libsvm = error_for("libsvm", "1 2:\x80\xC0\xAF\xC2\x9B\x7F\n");
  EXPECT_MESSAGE_HAS(libsvm, "value '\\x80\\xC0\\xAF\\xC2\\x9B\\x7F' of feature 2");
  expect_safe(libsvm, " of feature 2 is not a finite number");
}

}  // namespace
