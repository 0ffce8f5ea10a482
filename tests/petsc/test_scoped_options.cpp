// ScopedPetscOptions: a trial's options are seen inside its scope only; the options from
// before are all there inside (values with spaces too) and untouched after.
#include <gtest/gtest.h>
#include <petscsys.h>

#include <string>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/scoped_options.hpp"

namespace {

bool has(const char* name) {
  PetscBool set = PETSC_FALSE;
  HP_CALL(PetscOptionsHasName(nullptr, nullptr, name, &set));
  return set;
}

std::string value_of(const char* name) {
  char buf[256] = "";
  PetscBool set = PETSC_FALSE;
  HP_CALL(PetscOptionsGetString(nullptr, nullptr, name, buf, sizeof buf, &set));
  return set ? buf : "(unset)";
}

class ScopedOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    HP_CALL(PetscOptionsSetValue(nullptr, "-hp_test_base", "1"));
    HP_CALL(PetscOptionsSetValue(nullptr, "-hp_test_spaced", "a b  c"));
    HP_CALL(PetscOptionsSetValue(nullptr, "-hp_test_flag", nullptr));
    HP_CALL(PetscOptionsSetValue(nullptr, "-hp_test_negative", "-3"));
  }
  void TearDown() override {
    for (const char* name : {"-hp_test_base", "-hp_test_spaced", "-hp_test_flag", "-hp_test_negative"})
      HP_CALL(PetscOptionsClearValue(nullptr, name));
  }
};

TEST_F(ScopedOptions, ATrialsOptionsLiveOnlyInItsScope) {
  {
    hp::ScopedPetscOptions trial("-hp_test_trial 7 -hp_test_base 2");
    EXPECT_EQ(value_of("-hp_test_trial"), "7");
    EXPECT_EQ(value_of("-hp_test_base"), "2");  // the trial's text wins
    EXPECT_EQ(value_of("-hp_test_spaced"), "a b  c");
    EXPECT_TRUE(has("-hp_test_flag"));
    EXPECT_EQ(value_of("-hp_test_negative"), "-3");
    // What the trial's own code sets goes too.
    HP_CALL(PetscOptionsSetValue(nullptr, "-hp_test_set_inside", "x"));
    EXPECT_TRUE(has("-hp_test_set_inside"));
  }
  EXPECT_FALSE(has("-hp_test_trial"));
  EXPECT_FALSE(has("-hp_test_set_inside"));
  EXPECT_EQ(value_of("-hp_test_base"), "1");
  EXPECT_EQ(value_of("-hp_test_spaced"), "a b  c");
  // The next trial starts from the same options, not from the previous trial's.
  {
    hp::ScopedPetscOptions next("-hp_test_other 1");
    EXPECT_FALSE(has("-hp_test_trial"));
    EXPECT_EQ(value_of("-hp_test_base"), "1");
  }
}

TEST_F(ScopedOptions, ScopesNest) {
  hp::ScopedPetscOptions outer("-hp_test_outer 1");
  {
    hp::ScopedPetscOptions inner("-hp_test_inner 2 -hp_test_outer 3");
    EXPECT_EQ(value_of("-hp_test_outer"), "3");
    EXPECT_EQ(value_of("-hp_test_inner"), "2");
  }
  EXPECT_EQ(value_of("-hp_test_outer"), "1");
  EXPECT_FALSE(has("-hp_test_inner"));
}

TEST_F(ScopedOptions, ARejectedTextPushesNothing) {
  EXPECT_THROW(hp::ScopedPetscOptions bad("-options_file /nonexistent/hp_no_such_file"), hp::PetscFailure);
  // The default database is still the one from before: what is set now stays after a scope.
  HP_CALL(PetscOptionsSetValue(nullptr, "-hp_test_after_failure", "1"));
  { hp::ScopedPetscOptions scope(""); }
  EXPECT_TRUE(has("-hp_test_after_failure"));
  HP_CALL(PetscOptionsClearValue(nullptr, "-hp_test_after_failure"));
}

}  // namespace
