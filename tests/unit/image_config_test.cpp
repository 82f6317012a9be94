// Image configs: Docker's and OCI's JSON parse to the modelled fields with
// the unmodelled ones kept; every wrong type is refused by JSON path; emit
// round-trips and keeps absent/null/empty apart.
#include "image/image_config.hpp"

#include <gtest/gtest.h>

#include <string>

#include "manifest_samples.hpp"
#include "sys/error.hpp"

using namespace nook::image;
using nlohmann::json;
using nook_test::digest_of;

namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const nook::Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string config_error(const json& doc) {
  return error_of([&] { parse_image_config(doc.dump()); });
}

ImageConfig parse(const json& doc) {
  return parse_image_config(doc.dump());
}

TEST(ImageConfig, Docker) {
  ImageConfig c = parse(nook_test::docker_config());
  EXPECT_EQ(c.created, "2023-07-18T23:19:33.655005962Z");
  EXPECT_EQ(c.architecture, "amd64");
  EXPECT_EQ(c.os, "linux");
  EXPECT_EQ(c.variant, "");
  EXPECT_EQ(c.config.user, "");
  EXPECT_EQ(c.config.env, std::vector<std::string>{
                              "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"});
  EXPECT_EQ(c.config.cmd, std::vector<std::string>{"sh"});
  EXPECT_FALSE(c.config.entrypoint);  // null
  EXPECT_FALSE(c.config.on_build);
  EXPECT_TRUE(c.config.labels.empty());
  EXPECT_EQ(c.rootfs.type, "layers");
  EXPECT_EQ(c.rootfs.diff_ids, std::vector<std::string>{digest_of("diff0")});
  ASSERT_EQ(c.history.size(), 2u);
  EXPECT_FALSE(c.history[0].empty_layer);
  EXPECT_TRUE(c.history[1].empty_layer);
  EXPECT_EQ(c.history[1].created_by, "/bin/sh -c #(nop)  CMD [\"sh\"]");
  EXPECT_EQ(non_empty_history_count(c), 1u);
  EXPECT_NO_THROW(check_history(c));
  // What is not modelled is still there for inspect.
  EXPECT_EQ(c.raw["docker_version"], "20.10.23");
  EXPECT_EQ(c.raw["container_config"]["Hostname"], "2fa3c5cbf5e4");
  EXPECT_EQ(c.raw["config"]["Image"], "sha256:5f3b3c0a1f1b");
}

TEST(ImageConfig, OciEveryField) {
  ImageConfig c = parse(nook_test::oci_config());
  EXPECT_EQ(c.created, "2024-01-02T03:04:05.123456789+01:00");
  EXPECT_EQ(c.author, "nook tests");
  EXPECT_EQ(c.architecture, "arm64");
  EXPECT_EQ(c.variant, "v8");
  const ContainerConfig& k = c.config;
  EXPECT_EQ(k.user, "1000:1000");
  EXPECT_EQ(k.exposed_ports, (std::set<std::string>{"53/udp", "80/tcp"}));
  EXPECT_EQ(k.env.size(), 2u);
  EXPECT_EQ(k.entrypoint, std::vector<std::string>{"/entrypoint.sh"});
  EXPECT_EQ(k.cmd, (std::vector<std::string>{"serve", "--port", "80"}));
  EXPECT_EQ(k.volumes, std::set<std::string>{"/data"});
  EXPECT_EQ(k.working_dir, "/srv");
  EXPECT_EQ(k.labels.at("maintainer"), "x");
  EXPECT_EQ(k.stop_signal, "SIGQUIT");
  EXPECT_EQ(c.rootfs.diff_ids.size(), 2u);
  ASSERT_EQ(c.history.size(), 3u);
  EXPECT_EQ(c.history[2].author, "someone");
  EXPECT_EQ(c.history[2].comment, "buildah");
  EXPECT_EQ(non_empty_history_count(c), 2u);
  EXPECT_NO_THROW(check_history(c));
}

TEST(ImageConfig, MinimalOci) {
  json doc = {{"architecture", "amd64"},
              {"os", "linux"},
              {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}}};
  ImageConfig c = parse(doc);
  EXPECT_EQ(c.config, ContainerConfig{});
  EXPECT_TRUE(c.history.empty());
  EXPECT_TRUE(c.rootfs.diff_ids.empty());
  EXPECT_EQ(json::parse(emit_image_config(c)), doc);
}

TEST(ImageConfig, EntrypointAndCmdKeepUnsetApartFromEmpty) {
  json doc = nook_test::oci_config();
  doc["config"].erase("Entrypoint");
  doc["config"]["Cmd"] = nullptr;
  ImageConfig c = parse(doc);
  EXPECT_FALSE(c.config.entrypoint);
  EXPECT_FALSE(c.config.cmd);
  json out = json::parse(emit_image_config(c));
  EXPECT_FALSE(out["config"].contains("Entrypoint"));  // absent stays absent
  EXPECT_TRUE(out["config"]["Cmd"].is_null());         // null stays null

  doc["config"]["Entrypoint"] = json::array();
  doc["config"]["Cmd"] = json::array();
  c = parse(doc);
  ASSERT_TRUE(c.config.entrypoint);
  EXPECT_TRUE(c.config.entrypoint->empty());
  ASSERT_TRUE(c.config.cmd);
  EXPECT_TRUE(c.config.cmd->empty());
  out = json::parse(emit_image_config(c));
  EXPECT_EQ(out["config"]["Entrypoint"], json::array());
  EXPECT_EQ(out["config"]["Cmd"], json::array());
}

TEST(ImageConfig, StringCommandIsOneArgumentLikeDocker) {
  json doc = nook_test::oci_config();
  doc["config"]["Entrypoint"] = "/bin/sh -c";
  doc["config"]["Cmd"] = "echo hi";
  ImageConfig c = parse(doc);
  EXPECT_EQ(c.config.entrypoint, std::vector<std::string>{"/bin/sh -c"});
  EXPECT_EQ(c.config.cmd, std::vector<std::string>{"echo hi"});
  EXPECT_EQ(c.raw["config"]["Cmd"], json::array({"echo hi"}));
}

TEST(ImageConfig, HealthcheckAndOnBuildKeptAsJson) {
  json doc = nook_test::oci_config();
  json hc = {{"Test", {"CMD-SHELL", "curl -f http://localhost/ || exit 1"}},
             {"Interval", 30000000000},
             {"Timeout", 5000000000},
             {"Retries", 3}};
  doc["config"]["Healthcheck"] = hc;
  doc["config"]["OnBuild"] = {"RUN make"};
  ImageConfig c = parse(doc);
  EXPECT_EQ(c.config.healthcheck, hc);
  EXPECT_EQ(c.config.on_build, json::array({"RUN make"}));
  EXPECT_EQ(parse_image_config(emit_image_config(c)), c);
}

TEST(ImageConfig, HistoryMismatchIsToleratedOnPullAndCaughtForCommit) {
  json doc = nook_test::oci_config();
  doc["history"][1]["empty_layer"] = false;  // now 3 non-empty entries for 2 diff_ids
  ImageConfig c = parse(doc);
  EXPECT_EQ(non_empty_history_count(c), 3u);
  EXPECT_EQ(error_of([&] { check_history(c); }),
            "image config: history lists 3 non-empty layers, but rootfs.diff_ids has 2");
  c.history.clear();  // no history at all is fine (--omit-history)
  EXPECT_NO_THROW(check_history(c));
}

TEST(ImageConfig, ManifestMustMatchDiffIds) {
  ImageConfig c = parse(nook_test::oci_config());
  ImageManifest m = parse_image_manifest(nook_test::oci_manifest().dump());
  EXPECT_EQ(error_of([&] { check_manifest_config(m, c); }),
            "the manifest lists 3 layers but the image config has 2 (rootfs.diff_ids): the image "
            "is broken");
  m.layers.pop_back();
  EXPECT_NO_THROW(check_manifest_config(m, c));
  m.layers.resize(1);
  EXPECT_EQ(error_of([&] { check_manifest_config(m, c); }),
            "the manifest lists 1 layer but the image config has 2 (rootfs.diff_ids): the image "
            "is broken");
}

// ---- malformed ---------------------------------------------------------------------

struct Malformed {
  const char* name;
  const char* pointer;
  json value;
  bool remove;
  const char* message;
};

class MalformedConfig : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedConfig, IsRefusedNamingThePath) {
  const Malformed& c = GetParam();
  json doc = nook_test::oci_config();
  json::json_pointer ptr(c.pointer);
  if (c.remove)
    doc[ptr.parent_pointer()].erase(ptr.back());
  else
    doc[ptr] = c.value;
  EXPECT_EQ(config_error(doc), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedConfig,
    ::testing::Values(
        Malformed{"rootfs_missing", "/rootfs", nullptr, true,
                  "invalid image config: rootfs: required field is missing"},
        Malformed{"rootfs_string", "/rootfs", "layers", false,
                  "invalid image config: rootfs: expected an object, got string"},
        Malformed{"rootfs_type", "/rootfs/type", "overlay", false,
                  "invalid image config: rootfs.type: must be \"layers\", got \"overlay\""},
        Malformed{"rootfs_type_missing", "/rootfs/type", nullptr, true,
                  "invalid image config: rootfs.type: required field is missing"},
        Malformed{"diff_ids_missing", "/rootfs/diff_ids", nullptr, true,
                  "invalid image config: rootfs.diff_ids: required field is missing"},
        Malformed{"diff_ids_object", "/rootfs/diff_ids", json::object(), false,
                  "invalid image config: rootfs.diff_ids: expected an array, got object"},
        Malformed{"diff_id_bad", "/rootfs/diff_ids/1", "sha256:xyz", false,
                  "invalid image config: rootfs.diff_ids[1]: invalid checksum digest length: "
                  "\"sha256:xyz\""},
        Malformed{"diff_id_number", "/rootfs/diff_ids/0", 1, false,
                  "invalid image config: rootfs.diff_ids[0]: expected a string, got 1"},
        Malformed{"created_bad", "/created", "yesterday", false,
                  "invalid image config: created: not an RFC 3339 time: \"yesterday\""},
        Malformed{"created_number", "/created", 1700000000, false,
                  "invalid image config: created: expected a string, got 1700000000"},
        Malformed{"architecture_number", "/architecture", 64, false,
                  "invalid image config: architecture: expected a string, got 64"},
        Malformed{"os_version_bool", "/os.version", true, false,
                  "invalid image config: [\"os.version\"]: expected a string, got boolean"},
        Malformed{"config_array", "/config", json::array(), false,
                  "invalid image config: config: expected an object, got array"},
        Malformed{"user_number", "/config/User", 0, false,
                  "invalid image config: config.User: expected a string, got 0"},
        Malformed{"env_item", "/config/Env/1", 5, false,
                  "invalid image config: config.Env[1]: expected a string, got 5"},
        Malformed{"env_string", "/config/Env", "A=1", false,
                  "invalid image config: config.Env: expected an array, got string"},
        Malformed{"entrypoint_item", "/config/Entrypoint", json::array({"sh", nullptr}), false,
                  "invalid image config: config.Entrypoint[1]: expected a string, got null"},
        Malformed{"cmd_object", "/config/Cmd", json::object(), false,
                  "invalid image config: config.Cmd: expected an array, got object"},
        Malformed{"ports_array", "/config/ExposedPorts", json::array({"80/tcp"}), false,
                  "invalid image config: config.ExposedPorts: expected an object, got array"},
        Malformed{"port_value", "/config/ExposedPorts/80~1tcp", 1, false,
                  "invalid image config: config.ExposedPorts[\"80/tcp\"]: expected an object, got "
                  "1"},
        Malformed{"volume_value", "/config/Volumes/~1data", "yes", false,
                  "invalid image config: config.Volumes[\"/data\"]: expected an object, got "
                  "string"},
        Malformed{"label_value", "/config/Labels/maintainer", json::array(), false,
                  "invalid image config: config.Labels.maintainer: expected a string, got array"},
        Malformed{"workdir_number", "/config/WorkingDir", 1, false,
                  "invalid image config: config.WorkingDir: expected a string, got 1"},
        Malformed{"stop_signal_number", "/config/StopSignal", 15, false,
                  "invalid image config: config.StopSignal: expected a string, got 15"},
        Malformed{"healthcheck_array", "/config/Healthcheck", json::array(), false,
                  "invalid image config: config.Healthcheck: expected an object, got array"},
        Malformed{"healthcheck_interval", "/config/Healthcheck", json{{"Interval", "30s"}}, false,
                  "invalid image config: config.Healthcheck.Interval: expected an integer, got "
                  "string"},
        Malformed{"healthcheck_negative", "/config/Healthcheck", json{{"Timeout", -1}}, false,
                  "invalid image config: config.Healthcheck.Timeout: value -1 out of range (0 to "
                  "9223372036854775807)"},
        Malformed{"healthcheck_test", "/config/Healthcheck", json{{"Test", "curl"}}, false,
                  "invalid image config: config.Healthcheck.Test: expected an array, got string"},
        Malformed{"onbuild_string", "/config/OnBuild", "RUN x", false,
                  "invalid image config: config.OnBuild: expected an array, got string"},
        Malformed{"history_object", "/history", json::object(), false,
                  "invalid image config: history: expected an array, got object"},
        Malformed{"history_item", "/history/1", "ENV A=1", false,
                  "invalid image config: history[1]: expected an object, got string"},
        Malformed{"history_created", "/history/2/created", "2024-13-01T00:00:00Z", false,
                  "invalid image config: history[2].created: not an RFC 3339 time: "
                  "\"2024-13-01T00:00:00Z\""},
        Malformed{"history_empty_layer", "/history/0/empty_layer", "true", false,
                  "invalid image config: history[0].empty_layer: expected a boolean, got string"},
        Malformed{"history_created_by", "/history/0/created_by", json::array(), false,
                  "invalid image config: history[0].created_by: expected a string, got array"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ImageConfig, NotAnObjectNotJsonTooBigTooDeep) {
  EXPECT_EQ(error_of([] { parse_image_config("[]"); }),
            "invalid image config: expected an object, got array");
  EXPECT_NE(error_of([] {
              parse_image_config("{");
            }).find("invalid image config: parse error at line 1, column 2: syntax error"),
            std::string::npos);
  std::string big = "{\"pad\":\"" + std::string(kManifestSizeLimit, ' ') + "\"}";
  EXPECT_EQ(error_of([&] { parse_image_config(big); }),
            "invalid image config: " + std::to_string(big.size()) +
                " bytes, more than the limit of " + std::to_string(kManifestSizeLimit));
  EXPECT_EQ(error_of([] { parse_image_config(std::string(1 << 20, '[')); }),
            "invalid image config: nested deeper than 64 levels");
  // Depth hidden in a member nook keeps in raw (and would dump, copy and
  // compare recursively) is caught too.
  json doc = nook_test::oci_config();
  json deep = json::object();
  for (int i = 0; i < 70; ++i) deep = json{{"x", deep}};
  doc["container_config"] = deep;
  EXPECT_EQ(config_error(doc), "invalid image config: nested deeper than 64 levels");
}

TEST(ImageConfig, Rfc3339) {
  for (const char* ok :
       {"2024-01-02T03:04:05Z", "2024-01-02T03:04:05.1Z", "2024-01-02T03:04:05.123456789Z",
        "2024-01-02T03:04:05.1234567891234Z", "2024-01-02T03:04:05+01:00",
        "2024-01-02T03:04:05,5-08:30", "2024-02-29T00:00:00Z", "2000-02-29T00:00:00Z",
        "0001-01-01T00:00:00Z", "2024-12-31T23:59:59Z"})
    EXPECT_TRUE(is_rfc3339_time(ok)) << ok;
  for (const char* bad : {"",
                          "2024-01-02",
                          "2024-01-02 03:04:05Z",
                          "2024-01-02T03:04:05",
                          "2024-01-02t03:04:05Z",
                          "2024-01-02T03:04:05z",
                          "2024-1-02T03:04:05Z",
                          "2024-00-02T03:04:05Z",
                          "2024-01-32T03:04:05Z",
                          "2023-02-29T00:00:00Z",
                          "1900-02-29T00:00:00Z",
                          "2024-04-31T00:00:00Z",
                          "2024-01-02T24:00:00Z",
                          "2024-01-02T03:60:00Z",
                          "2024-01-02T03:04:60Z",
                          "2024-01-02T03:04:05.Z",
                          "2024-01-02T03:04:05+1:00",
                          "2024-01-02T03:04:05+01:60",
                          "2024-01-02T03:04:05+24:00",
                          "2024-01-02T03:04:05+0100",
                          "2024-01-02T03:04:05Z ",
                          "+2024-01-02T03:04:05Z",
                          "2024-01-02T03:04:05ZZ"})
    EXPECT_FALSE(is_rfc3339_time(bad)) << bad;
}

// ---- emit ------------------------------------------------------------------------

TEST(ImageConfigEmit, RoundTrips) {
  for (const json& doc : {nook_test::docker_config(), nook_test::oci_config()}) {
    ImageConfig c = parse(doc);
    std::string bytes = emit_image_config(c);
    EXPECT_EQ(parse_image_config(bytes), c);
    // Nothing lost, nothing added: a parsed config emits as it came.
    EXPECT_EQ(json::parse(bytes), doc);
  }
}

TEST(ImageConfigEmit, EditsShowUpAndUnmodelledFieldsStay) {
  ImageConfig c = parse(nook_test::docker_config());
  c.config.cmd = std::vector<std::string>{"/bin/sh", "-c", "echo hi"};
  c.config.entrypoint = std::vector<std::string>{};
  c.config.labels["org.opencontainers.image.title"] = "edited";
  c.config.env.clear();
  c.config.exposed_ports.insert("8080/tcp");
  c.history.push_back({"2024-05-01T00:00:00Z", "nook commit", "", "", false});
  c.rootfs.diff_ids.push_back(digest_of("diff1"));
  c.created.clear();
  json out = json::parse(emit_image_config(c));
  EXPECT_EQ(out["config"]["Cmd"], json::array({"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(out["config"]["Entrypoint"], json::array());
  EXPECT_EQ(out["config"]["Labels"]["org.opencontainers.image.title"], "edited");
  EXPECT_EQ(out["config"]["Env"], json::array());  // was there, now empty
  EXPECT_EQ(out["config"]["ExposedPorts"], json({{"8080/tcp", json::object()}}));
  EXPECT_EQ(out["history"].size(), 3u);
  EXPECT_EQ(out["history"][2],
            json({{"created", "2024-05-01T00:00:00Z"}, {"created_by", "nook commit"}}));
  EXPECT_EQ(out["rootfs"]["diff_ids"].size(), 2u);
  EXPECT_FALSE(out.contains("created"));
  EXPECT_EQ(out["docker_version"], "20.10.23");
  EXPECT_EQ(out["config"]["Hostname"], "");
  ImageConfig again = parse_image_config(out.dump());
  EXPECT_EQ(again.config, c.config);
  EXPECT_EQ(again.history, c.history);
  EXPECT_EQ(again.rootfs, c.rootfs);
  EXPECT_NO_THROW(check_history(again));
}

TEST(ImageConfigEmit, FromScratch) {
  ImageConfig c;
  c.created = "2024-05-01T00:00:00Z";
  c.architecture = "amd64";
  c.os = "linux";
  c.config.cmd = std::vector<std::string>{"sh"};
  c.rootfs.diff_ids = {digest_of("a")};
  std::string bytes = emit_image_config(c);
  EXPECT_EQ(json::parse(bytes),
            json({{"created", "2024-05-01T00:00:00Z"},
                  {"architecture", "amd64"},
                  {"os", "linux"},
                  {"config", {{"Cmd", {"sh"}}}},
                  {"rootfs", {{"type", "layers"}, {"diff_ids", {digest_of("a")}}}}}));
  ImageConfig p = parse_image_config(bytes);
  EXPECT_EQ(p.config, c.config);
  EXPECT_EQ(p.rootfs, c.rootfs);
  EXPECT_EQ(emit_image_config(p), bytes);
}

TEST(ImageConfigEmit, InvalidUtf8IsAnError) {
  ImageConfig c;
  c.author = "\xc3";
  EXPECT_EQ(error_of([&] { emit_image_config(c); }),
            "emit image config: a string is not valid UTF-8");
}

}  // namespace
