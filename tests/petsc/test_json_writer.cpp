// JsonWriter output must be valid JSON (parsed back here with yaml-cpp: JSON is YAML).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>

#include "hyperpetsc/petsc/json_writer.hpp"

TEST(JsonWriter, NestedObjectsAndArraysParseBack) {
  hp::JsonWriter j;
  j.begin_object();
  j.key_value("method", "aid_cg");
  j.key_value("t", 100LL);
  j.key_value("x", 0.1);
  j.key_value("nan", std::nan(""));
  j.key_value("flag", true);
  j.key_value("quote", std::string("a \"b\"\n\\c"));
  j.key_array("g", {1.5, -2.0, 1e-300});
  j.begin_array("methods");
  j.begin_object("").key_value("method", "itd").key_value("relative_error", 0.25).end_object();
  j.begin_object("").key_value("method", "aid_fp").begin_object("seconds").key_value("total", 1.0).end_object().end_object();
  j.end_array();
  j.begin_array("empty");
  j.end_array();
  j.end_object();
  YAML::Node n = YAML::Load(j.str());
  EXPECT_EQ(n["method"].as<std::string>(), "aid_cg");
  EXPECT_EQ(n["t"].as<long long>(), 100);
  EXPECT_DOUBLE_EQ(n["x"].as<double>(), 0.1);
  EXPECT_TRUE(n["nan"].IsNull());
  EXPECT_TRUE(n["flag"].as<bool>());
  EXPECT_EQ(n["quote"].as<std::string>(), "a \"b\"\n\\c");
  ASSERT_EQ(n["g"].size(), 3u);
  EXPECT_DOUBLE_EQ(n["g"][2].as<double>(), 1e-300);
  ASSERT_EQ(n["methods"].size(), 2u);
  EXPECT_EQ(n["methods"][0]["method"].as<std::string>(), "itd");
  EXPECT_DOUBLE_EQ(n["methods"][1]["seconds"]["total"].as<double>(), 1.0);
  EXPECT_EQ(n["empty"].size(), 0u);
}

// A top-level array of objects with raw JSON values (what `runs list --json` prints).
TEST(JsonWriter, TopLevelArrayAndRawValues) {
  hp::JsonWriter j;
  j.begin_array("");
  j.begin_object("").key_raw("params", R"({"lambda0": -1.5, "method": "itd"})").key_raw("error", "null").end_object();
  j.begin_object("").key_value("id", 2LL).end_object();
  j.end_array();
  YAML::Node n = YAML::Load(j.str());
  ASSERT_TRUE(n.IsSequence());
  ASSERT_EQ(n.size(), 2u);
  EXPECT_DOUBLE_EQ(n[0]["params"]["lambda0"].as<double>(), -1.5);
  EXPECT_EQ(n[0]["params"]["method"].as<std::string>(), "itd");
  EXPECT_TRUE(n[0]["error"].IsNull());
  EXPECT_EQ(n[1]["id"].as<long long>(), 2);
}
