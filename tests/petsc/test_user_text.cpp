// quote_user_text: what an untrusted string looks like in a message.
#include <gtest/gtest.h>

#include <string>

#include "hyperpetsc/petsc/user_text.hpp"

namespace {

using hp::quote_user_text;
using namespace std::string_literals;

TEST(QuoteUserText, PlainTextIsQuotedAsIs) {
  EXPECT_EQ(quote_user_text("aid_cg"), "'aid_cg'");
  EXPECT_EQ(quote_user_text(""), "''");
  EXPECT_EQ(quote_user_text("a b-c_1.5e3"), "'a b-c_1.5e3'");
}

TEST(QuoteUserText, ControlBytesQuotesAndBackslashesAreEscaped) {
  EXPECT_EQ(quote_user_text("a\nb\tc\rd"), "'a\\nb\\tc\\rd'");
  EXPECT_EQ(quote_user_text("it's a\\b"), "'it\\'s a\\\\b'");
  EXPECT_EQ(quote_user_text("\x1b[31mred\x1b[0m"), "'\\x1B[31mred\\x1B[0m'");
  EXPECT_EQ(quote_user_text("x\0y"s), "'x\\x00y'");
  EXPECT_EQ(quote_user_text("\x7f\x01"), "'\\x7F\\x01'");
}

TEST(QuoteUserText, ValidUtf8IsKeptInvalidBytesAreEscaped) {
  EXPECT_EQ(quote_user_text("café 中 😀"), "'café 中 😀'");
  EXPECT_EQ(quote_user_text("\x80"), "'\\x80'");                      // lone continuation
  EXPECT_EQ(quote_user_text("\xC0\xAF"), "'\\xC0\\xAF'");              // overlong '/'
  EXPECT_EQ(quote_user_text("\xED\xA0\x80"), "'\\xED\\xA0\\x80'");     // UTF-16 surrogate
  EXPECT_EQ(quote_user_text("\xF4\x90\x80\x80"), "'\\xF4\\x90\\x80\\x80'");  // > U+10FFFF
  EXPECT_EQ(quote_user_text("\xC2\x9B"), "'\\xC2\\x9B'");              // C1 CSI: a terminal escape
  EXPECT_EQ(quote_user_text("ok\xE2\x82"), "'ok\\xE2\\x82'");          // cut short at the end
}

TEST(QuoteUserText, LongTextIsCutWithItsLength) {
  const std::string token(2 << 20, 'x');
  const std::string q = quote_user_text(token);
  EXPECT_EQ(q, "'" + std::string(60, 'x') + "'…(2097152 bytes)");
  EXPECT_EQ(quote_user_text("abcdef", 3), "'abc'…(6 bytes)");
  EXPECT_EQ(quote_user_text("abc", 3), "'abc'");
  // Worst case: every byte escaped, still bounded by the byte limit.
  EXPECT_LE(quote_user_text(std::string(1000, '\x01')).size(), 4 * 60 + 20u);
}

TEST(QuoteUserText, ACharacterIsNeverCutAtTheLimit) {
  EXPECT_EQ(quote_user_text("abé", 3), "'ab'…(4 bytes)");
  EXPECT_EQ(quote_user_text("ab😀", 5), "'ab'…(6 bytes)");
  EXPECT_EQ(quote_user_text("ab😀", 6), "'ab😀'");
}

TEST(QuoteUserPath, LongPathsAreKeptWholeButEscaped) {
  const std::string path = "/data/" + std::string(200, 'd') + "/train\n.svm";
  EXPECT_EQ(hp::quote_user_path(path), "'/data/" + std::string(200, 'd') + "/train\\n.svm'");
}

}  // namespace
