// save / load / import: the archive formats written and read back through a
// real store (same image ID, same diff IDs, layer bytes exact), --change
// instructions, the archive reader's confinement, and every malformed or
// hostile archive we know of: each must fail with a clear message and leave
// no image (and no stray layer) behind. Tars are built here with libarchive
// so each test states exactly what the archive holds.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/archive_docker.hpp"
#include "image/archive_files.hpp"
#include "image/archive_oci.hpp"
#include "image/config_change.hpp"
#include "image/digest.hpp"
#include "image/image_import.hpp"
#include "image/image_load.hpp"
#include "image/image_save.hpp"
#include "image/manifest.hpp"
#include "image/stored_image.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using nook::Error;
using namespace nook::image;

namespace {

// ---- building tars ----

struct Entry {
  std::string path;
  unsigned type = AE_IFREG;
  std::string data;
  std::string link;  // symlink target, or hard link target when hard
  bool hard = false;
  int64_t uid = 0;
  int64_t sparse_size = 0;  // > 0: a sparse file of that size, data at offset 0
};

enum class Filter { none, gzip, zstd, bzip2, xz };

std::string make_tar(const std::vector<Entry>& entries, Filter filter = Filter::none) {
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  switch (filter) {
    case Filter::none:
      break;
    case Filter::gzip:
      archive_write_add_filter_gzip(a);
      break;
    case Filter::zstd:
      archive_write_add_filter_zstd(a);
      break;
    case Filter::bzip2:
      archive_write_add_filter_bzip2(a);
      break;
    case Filter::xz:
      archive_write_add_filter_xz(a);
      break;
  }
  archive_write_set_bytes_in_last_block(a, 1);
  std::vector<char> buf(8 << 20);
  size_t used = 0;
  EXPECT_EQ(archive_write_open_memory(a, buf.data(), buf.size(), &used), ARCHIVE_OK);
  for (const Entry& e : entries) {
    struct archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.path.c_str());
    archive_entry_set_uid(ae, e.uid);
    archive_entry_set_gid(ae, e.uid);
    if (e.hard) {
      archive_entry_set_filetype(ae, AE_IFREG);
      archive_entry_set_hardlink(ae, e.link.c_str());
      archive_entry_set_size(ae, 0);
    } else {
      archive_entry_set_filetype(ae, e.type);
      archive_entry_set_perm(ae, e.type == AE_IFDIR ? 0755 : 0644);
      if (e.type == AE_IFLNK) archive_entry_set_symlink(ae, e.link.c_str());
      if (e.type == AE_IFREG) archive_entry_set_size(ae, static_cast<la_int64_t>(e.data.size()));
      if (e.sparse_size > 0) {
        archive_entry_set_size(ae, e.sparse_size);
        archive_entry_sparse_add_entry(ae, 0, static_cast<la_int64_t>(e.data.size()));
      }
    }
    EXPECT_EQ(archive_write_header(a, ae), ARCHIVE_OK) << archive_error_string(a);
    if (!e.hard && e.type == AE_IFREG && !e.data.empty())
      archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(ae);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

// A small root filesystem as a layer.
std::string rootfs_tar(const std::string& marker = "hello") {
  return make_tar({{"etc", AE_IFDIR},
                   {"etc/hostname", AE_IFREG, marker + "\n"},
                   {"bin", AE_IFDIR},
                   {"bin/sh", AE_IFREG, "#!fake shell " + marker},
                   {"bin/ls", AE_IFLNK, "", "sh"}});
}

std::string hex(const std::string& digest) {
  return digest.substr(digest.find(':') + 1);
}

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ + "/a");
    fs::create_directories(dir_ + "/b");
  }

  std::string file(const std::string& name, const std::string& bytes) {
    std::string path = dir_ + "/" + name;
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::string slurp(const std::string& path) { return nook::read_file(path); }

  // An image in store A, imported from a tarball.
  ImportedImage import(Store& s, const std::string& tar, ImportOptions o = {}) {
    o.chown = false;
    std::string path = file("in-" + std::to_string(counter_++) + ".tar", tar);
    return import_from_path(s, path, o);
  }

  LoadOptions load_options() {
    LoadOptions o;
    o.chown = false;
    return o;
  }

  // No image, no layer, no blob: what a failed load must leave.
  void expect_empty(Store& s) {
    EXPECT_TRUE(s.list_images().empty());
    EXPECT_TRUE(fs::is_empty(s.root() + "/layers"));
    EXPECT_TRUE(fs::is_empty(s.root() + "/blobs/sha256"));
    EXPECT_TRUE(fs::is_empty(s.root() + "/tmp"));
  }

  // Saves `names` of store A into a file and loads it into store B.
  std::vector<LoadedImage> round_trip(Store& a, Store& b, const std::vector<std::string>& names,
                                      ArchiveFormat format, bool multi = false) {
    std::string out = dir_ + "/out-" + std::to_string(counter_++);
    save_to_path(a, resolve_save_items(a, names, multi), format, out);
    return load_from_path(b, out, load_options());
  }

  nook::test::TempDir tmp_{"/tmp/nook-archive-test-"};
  const std::string dir_ = tmp_.path();
  int counter_ = 0;
};

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// ---- --change ----

ContainerConfig changed(std::initializer_list<std::string> changes) {
  ContainerConfig c;
  for (const std::string& ch : changes) apply_config_change(c, ch);
  return c;
}

TEST(ConfigChange, CmdAndEntrypointTakeExecOrShellForm) {
  auto c = changed({"CMD [\"sh\", \"-c\", \"echo hi\"]", "ENTRYPOINT /bin/init --verbose"});
  EXPECT_EQ(*c.cmd, (std::vector<std::string>{"sh", "-c", "echo hi"}));
  EXPECT_EQ(*c.entrypoint, (std::vector<std::string>{"/bin/sh", "-c", "/bin/init --verbose"}));
  // Not a JSON array of strings: shell form, as docker does.
  EXPECT_EQ(*changed({"CMD [\"a\","}).cmd, (std::vector<std::string>{"/bin/sh", "-c", "[\"a\","}));
  EXPECT_EQ(*changed({"CMD [1]"}).cmd, (std::vector<std::string>{"/bin/sh", "-c", "[1]"}));
  EXPECT_EQ(*changed({"cmd=[\"x\"]"}).cmd, std::vector<std::string>{"x"});
  EXPECT_EQ(*changed({"ENTRYPOINT []"}).entrypoint, std::vector<std::string>{});
}

TEST(ConfigChange, EnvTakesPairsQuotesAndTheLegacyFormAndReplaces) {
  auto c = changed({"ENV A=1 B=\"x y\" C='$q' D=a\\ b", "ENV E value with  spaces", "ENV A=2"});
  EXPECT_EQ(c.env,
            (std::vector<std::string>{"A=2", "B=x y", "C=$q", "D=a b", "E=value with  spaces"}));
  EXPECT_EQ(changed({"ENV EMPTY="}).env, std::vector<std::string>{"EMPTY="});
}

TEST(ConfigChange, ExposeLabelVolumeUserStopsignalOnbuild) {
  auto c = changed({"EXPOSE 80 53/udp 8000-8002/TCP", "LABEL a=b \"c d\"=e", "LABEL legacy x y",
                    "VOLUME /a /b", "VOLUME [\"/c\"]", "USER 27:27", "STOPSIGNAL SIGTERM",
                    "ONBUILD RUN make"});
  EXPECT_EQ(c.exposed_ports,
            (std::set<std::string>{"80/tcp", "53/udp", "8000/tcp", "8001/tcp", "8002/tcp"}));
  EXPECT_EQ(c.labels,
            (std::map<std::string, std::string>{{"a", "b"}, {"c d", "e"}, {"legacy", "x y"}}));
  EXPECT_EQ(c.volumes, (std::set<std::string>{"/a", "/b", "/c"}));
  EXPECT_EQ(c.user, "27:27");
  EXPECT_EQ(c.stop_signal, "SIGTERM");
  EXPECT_EQ(*c.on_build, json::array({"RUN make"}));
  for (const char* sig : {"9", "KILL", "sigkill", "SIGRTMIN+3", "SIGRTMAX-1", "64"})
    EXPECT_TRUE(is_valid_stop_signal(sig)) << sig;
  for (const char* sig : {"0", "65", "BOGUS", "SIGRTMIN+31", "", "SIG", "-1", "9x"})
    EXPECT_FALSE(is_valid_stop_signal(sig)) << sig;
}

TEST(ConfigChange, WorkdirIsCleanedAndRelativeOnesJoinThePrevious) {
  EXPECT_EQ(changed({"WORKDIR rel"}).working_dir, "/rel");
  EXPECT_EQ(changed({"WORKDIR /a", "WORKDIR b/../c//d/."}).working_dir, "/a/c/d");
  EXPECT_EQ(changed({"WORKDIR /../.."}).working_dir, "/");
}

TEST(ConfigChange, MalformedChangesGetPodmansMessageAndChangeNothing) {
  struct Case {
    const char* change;
    const char* why;
  } cases[] = {
      {"FOO bar", "invalid instruction FOO"},
      {"CMD", "must be formatted as KEY VALUE"},
      {"CMD   ", "must be formatted as KEY VALUE"},
      {"", "must be formatted as KEY VALUE"},
      {"C1MD x", "must be formatted as KEY VALUE"},
      {"EXPOSE abc", "EXPOSE: invalid port \"abc\""},
      {"EXPOSE 0", "invalid port"},
      {"EXPOSE 65536", "invalid port"},
      {"EXPOSE 90-80", "invalid port"},
      {"EXPOSE 80/icmp", "invalid protocol \"icmp\""},
      {"STOPSIGNAL BOGUS", "STOPSIGNAL: invalid signal \"BOGUS\""},
      {"ENV A", "ENV must be formatted KEY=VALUE or KEY VALUE"},
      {"ENV A=1 B", "must be formatted KEY=VALUE, got \"B\""},
      {"ENV =x", "names cannot be empty"},
      {"LABEL a=\"open", "unterminated double quote"},
      {"LABEL a='open", "unterminated single quote"},
      {"ONBUILD FROM x", "ONBUILD cannot trigger FROM"},
      {"VOLUME [\"\"]", "volume path is empty"},
      {"HEALTHCHECK CMD true", "invalid instruction HEALTHCHECK"},
  };
  for (const Case& c : cases) {
    ContainerConfig config;
    config.user = "keep";
    std::string msg = error_of([&] { apply_config_change(config, c.change); });
    EXPECT_EQ(msg.rfind("invalid change \"" + std::string(c.change) + "\" - ", 0), 0u)
        << c.change << " → " << msg;
    EXPECT_NE(msg.find(c.why), std::string::npos) << c.change << " → " << msg;
    EXPECT_EQ(config.user, "keep");
    EXPECT_TRUE(config.env.empty());
  }
}

// ---- archive names and documents ----

TEST(ArchiveNames, CleanedAndConfined) {
  EXPECT_EQ(clean_archive_name("./a//b/./c", "p"), "a/b/c");
  EXPECT_EQ(clean_archive_name("./", "p"), "");
  for (const char* bad : {"../x", "a/../../x", "a/..", "..", "/etc/passwd"})
    EXPECT_THROW(clean_archive_name(bad, "p"), Error) << bad;
  EXPECT_NE(error_of([] { clean_archive_name("a/../b", "layer"); }).find("contains \"..\""),
            std::string::npos);
}

TEST(DockerArchiveManifest, RoundTripsAndLegacyIdsChain) {
  std::vector<DockerArchiveImage> images = {
      {"abc.json", {"localhost/a:1", "b:2"}, {"l1.tar", "dir/l2.tar"}},
      {"def.json", {}, {}},
  };
  std::string text = emit_docker_archive_manifest(images);
  EXPECT_EQ(parse_docker_archive_manifest(text), images);
  EXPECT_EQ(json::parse(text)[0].begin().key(), "Config");
  // RepoTags null is "no names", as docker writes it for untagged images.
  auto parsed =
      parse_docker_archive_manifest(R"([{"Config":"./c.json","RepoTags":null,"Layers":[]}])");
  EXPECT_EQ(parsed[0].config, "c.json");
  EXPECT_TRUE(parsed[0].repo_tags.empty());

  std::vector<std::string> diffs = {compute_digest("1"), compute_digest("2")};
  auto ids = docker_legacy_layer_ids(diffs, compute_digest("config"));
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids, docker_legacy_layer_ids(diffs, compute_digest("config")));
  EXPECT_EQ(ids[1].size(), 64u);
  auto other = docker_legacy_layer_ids(diffs, compute_digest("other config"));
  EXPECT_EQ(other[0], ids[0]);  // shared base layer, shared legacy directory
  EXPECT_NE(other[1], ids[1]);  // the top one carries the config
  EXPECT_NE(docker_legacy_layer_ids({diffs[1], diffs[0]}, compute_digest("config"))[0], ids[0]);
}

TEST(DockerArchiveManifest, MalformedOnesNameTheMember) {
  struct Case {
    std::string text, why;
  } cases[] = {
      {"{}", "expected an array"},
      {"[]", "no images in the archive"},
      {"[1]", "[0]"},
      {R"([{"Layers":[]}])", "Config"},
      {R"([{"Config":"c.json"}])", "Layers"},
      {R"([{"Config":"c.json","Layers":"x.tar"}])", "Layers"},
      {R"([{"Config":"c.json","Layers":[7]}])", "Layers[0]"},
      {R"([{"Config":"c.json","Layers":["../../etc/shadow"]}])", "contains \"..\""},
      {R"([{"Config":"/etc/passwd","Layers":[]}])", "is absolute"},
      {R"([{"Config":"","Layers":[]}])", "empty path"},
      {R"([{"Config":".","Layers":[]}])", "names the archive itself"},
      {R"([{"Config":"c.json","RepoTags":[1],"Layers":[]}])", "RepoTags[0]"},
      {"[{", "invalid manifest.json"},
      {std::string(100, '[') + std::string(100, ']'), "invalid manifest.json"},
      {"[" + std::string(5 << 20, ' ') + "]", "invalid manifest.json"},
  };
  for (const Case& c : cases) {
    std::string msg = error_of([&] { parse_docker_archive_manifest(c.text); });
    EXPECT_NE(msg.find(c.why), std::string::npos) << c.text.substr(0, 80) << " → " << msg;
    EXPECT_NE(msg.find("manifest.json"), std::string::npos) << msg;
  }
}

TEST(OciLayout, VersionBlobPathsAndNames) {
  EXPECT_NO_THROW(check_oci_layout(emit_oci_layout()));
  EXPECT_NO_THROW(check_oci_layout(R"({"imageLayoutVersion": "1.0.0"})"));
  EXPECT_THROW(check_oci_layout(R"({"imageLayoutVersion": "2.0.0"})"), Error);
  EXPECT_THROW(check_oci_layout(R"({"imageLayoutVersion": 1})"), Error);
  EXPECT_THROW(check_oci_layout("[]"), Error);
  EXPECT_THROW(check_oci_layout("nope"), Error);
  std::string d = compute_digest("x");
  EXPECT_EQ(oci_blob_path(d), "blobs/sha256/" + hex(d));
  EXPECT_THROW(oci_blob_path("sha256:../../etc/passwd"), Error);
  EXPECT_THROW(oci_blob_path("md5:abc"), Error);
  Descriptor e;
  EXPECT_EQ(oci_entry_name(e), "");
  e.annotations[std::string(kOciRefNameAnnotation)] = "latest";
  EXPECT_EQ(oci_entry_name(e), "latest");
  e.annotations[std::string(kContainerdNameAnnotation)] = "docker.io/library/busybox:latest";
  EXPECT_EQ(oci_entry_name(e), "docker.io/library/busybox:latest");
}

TEST(ArchiveNames, PodmansLocalNames) {
  EXPECT_EQ(archive_image_name("busybox:1.36", true, "x"), "localhost/busybox:1.36");
  EXPECT_EQ(archive_image_name("quay.io/a/b:2", true, "x"), "quay.io/a/b:2");
  EXPECT_EQ(archive_image_name("latest", false, "x"), "localhost/latest:latest");
  EXPECT_EQ(archive_image_name("docker.io/library/busybox", false, "x"),
            "docker.io/library/busybox:latest");
  EXPECT_NE(
      error_of([] { archive_image_name("quay.io/x/y", true, "RepoTags"); }).find("has no tag"),
      std::string::npos);
  EXPECT_NE(error_of([] {
              archive_image_name("Bad Name", false, "index.json");
            }).find("index.json: invalid image name \"Bad Name\""),
            std::string::npos);
  EXPECT_THROW(archive_image_name("a@sha256:" + std::string(64, 'a'), false, "x"), Error);
  EXPECT_EQ(import_image_name("foo"), "localhost/foo:latest");
  EXPECT_THROW(import_image_name("UPPER"), Error);
}

// ---- the archive reader ----

TEST_F(ArchiveTest, TarReaderResolvesLinksInsideAndRefusesLinksOut) {
  std::string tar = make_tar({{"./manifest.json", AE_IFREG, "[]"},
                              {"blobs/sha256/aa", AE_IFREG, "blob"},
                              {"legacy", AE_IFDIR},
                              {"legacy/layer.tar", AE_IFLNK, "", "../blobs/sha256/aa"},
                              {"dirlink", AE_IFLNK, "", "blobs/sha256"},
                              {"hard", AE_IFREG, "", "blobs/sha256/aa", true},
                              {"abs", AE_IFLNK, "", "/etc/passwd"},
                              {"up", AE_IFLNK, "", "../../etc/passwd"},
                              {"loop", AE_IFLNK, "", "loop"},
                              {"fifo", AE_IFIFO}});
  nook::UniqueFd fd(::open(file("t.tar", tar).c_str(), O_RDONLY | O_CLOEXEC));
  auto files = extract_tar_archive(fd.get(), dir_ + "/a");
  EXPECT_EQ(files->read_file("manifest.json", 100), "[]");
  EXPECT_EQ(files->read_file("legacy/layer.tar", 100), "blob");
  EXPECT_EQ(files->read_file("dirlink/aa", 100), "blob");
  EXPECT_EQ(files->read_file("hard", 100), "blob");
  EXPECT_FALSE(files->has_file("missing"));
  EXPECT_FALSE(files->has_file("legacy"));
  EXPECT_FALSE(files->has_file("fifo"));
  EXPECT_NE(
      error_of([&] { files->open_file("missing"); }).find("the archive has no file \"missing\""),
      std::string::npos);
  EXPECT_NE(error_of([&] { files->open_file("abs"); }).find("points out of the archive"),
            std::string::npos);
  EXPECT_NE(error_of([&] { files->open_file("up"); }).find("leads out of the archive"),
            std::string::npos);
  EXPECT_NE(error_of([&] { files->open_file("loop"); }).find("too many levels of links"),
            std::string::npos);
  EXPECT_NE(error_of([&] { files->read_file("blobs/sha256/aa", 3); }).find("larger than 3 bytes"),
            std::string::npos);
  EXPECT_THROW(files->open_file("../t.tar"), Error);
  // Only our own names were created on disk.
  for (const auto& e : fs::directory_iterator(dir_ + "/a"))
    EXPECT_EQ(e.path().filename().string().rfind("entry-", 0), 0u) << e.path();
}

TEST_F(ArchiveTest, TarReaderRefusesHostileAndBrokenArchives) {
  struct Case {
    std::string name, bytes, why;
  } cases[] = {
      {"dotdot", make_tar({{"../escape", AE_IFREG, "x"}}), "contains \"..\""},
      {"twice", make_tar({{"a", AE_IFREG, "1"}, {"./a", AE_IFREG, "2"}}), "holds \"a\" twice"},
      {"dangling hard link", make_tar({{"h", AE_IFREG, "", "nothing", true}}),
       "not an earlier file"},
      {"sparse", make_tar({{"s", AE_IFREG, "x", "", false, 0, int64_t{1} << 40}}), "sparse file"},
      {"empty", "", "empty"},
      {"not a tar", std::string(4096, 'x'), "not a tar archive"},
      {"truncated", make_tar({{"big", AE_IFREG, std::string(100000, 'z')}}).substr(0, 20000),
       "read archive"},
  };
  int n = 0;
  for (const Case& c : cases) {
    std::string work = dir_ + "/w" + std::to_string(n++);
    fs::create_directories(work);
    nook::UniqueFd fd(::open(file(c.name, c.bytes).c_str(), O_RDONLY | O_CLOEXEC));
    std::string msg = error_of([&] { extract_tar_archive(fd.get(), work); });
    EXPECT_NE(msg.find(c.why), std::string::npos) << c.name << " → " << msg;
  }
}

TEST_F(ArchiveTest, TarReaderReadsCompressedArchivesFromAPipe) {
  for (Filter f : {Filter::gzip, Filter::zstd, Filter::bzip2, Filter::xz}) {
    std::string tar = make_tar({{"index.json", AE_IFREG, "{}"}}, f);
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    nook::UniqueFd r(p[0]), w(p[1]);
    std::thread writer([&] {
      nook::write_all(w.get(), tar, "pipe");
      w.reset();
    });
    std::string work = dir_ + "/p" + std::to_string(static_cast<int>(f));
    fs::create_directories(work);
    auto files = extract_tar_archive(r.get(), work);
    writer.join();
    EXPECT_EQ(files->read_file("index.json", 10), "{}");
  }
}

TEST_F(ArchiveTest, DirectoryReaderStaysInsideAndDoesNotHangOnAFifo) {
  std::string root = dir_ + "/layout";
  file("layout/index.json", "{}");
  file("secret", "outside");
  fs::create_symlink("/etc/passwd", root + "/abs");
  fs::create_symlink("../secret", root + "/up");
  ASSERT_EQ(::mkfifo((root + "/fifo").c_str(), 0600), 0);
  auto files = open_directory_archive(root);
  EXPECT_EQ(files->read_file("index.json", 10), "{}");
  EXPECT_FALSE(files->has_file("up"));  // resolves to <root>/secret, which does not exist
  EXPECT_FALSE(files->has_file("fifo"));
  EXPECT_NE(error_of([&] { files->open_file("fifo"); }).find("not a regular file"),
            std::string::npos);
  // /etc/passwd inside the root is <root>/etc/passwd: missing.
  EXPECT_THROW(files->open_file("abs"), Error);
  EXPECT_THROW(files->open_file("../secret"), Error);
}

// ---- save → load ----

TEST_F(ArchiveTest, EveryFormatRoundTripsTheImageIdDiffIdsAndNames) {
  Store a(dir_ + "/a"), b(dir_ + "/b");
  ImportOptions o;
  o.reference = "app:1";
  o.changes = {"CMD [\"sh\"]", "ENV A=b"};
  ImportedImage img = import(a, rootfs_tar(), o);
  EXPECT_EQ(img.name, "localhost/app:1");
  std::vector<std::string> diff_ids = a.image(img.id)->layers;
  for (ArchiveFormat f : {ArchiveFormat::docker_archive, ArchiveFormat::oci_archive,
                          ArchiveFormat::oci_dir, ArchiveFormat::docker_dir}) {
    SCOPED_TRACE(static_cast<int>(f));
    auto loaded = round_trip(a, b, {"app:1"}, f);
    ASSERT_EQ(loaded.size(), 1u);
    EXPECT_EQ(loaded[0].id, img.id);
    auto stored = b.image(img.id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->layers, diff_ids);
    if (f == ArchiveFormat::docker_dir) {
      EXPECT_TRUE(loaded[0].names.empty());  // the dir layout has no names
    } else {
      EXPECT_EQ(loaded[0].names, std::vector<std::string>{"localhost/app:1"});
      EXPECT_EQ(stored->names, std::vector<std::string>{"localhost/app:1"});
      EXPECT_EQ(stored->repo_digests.size(), 1u);
    }
    EXPECT_EQ(nook::read_file(b.layer_path(diff_ids[0]) + "/etc/hostname"), "hello\n");
    // What was loaded saves again; the image stays what it was.
    EXPECT_NO_THROW(read_stored_image(b, *stored, std::nullopt));
    b.remove_image_record(img.id);
    b.collect_garbage();
  }
}

TEST_F(ArchiveTest, DockerArchiveLayersAreTheExactUncompressedTars) {
  Store a(dir_ + "/a");
  ImportedImage img =
      import(a, make_tar({{"etc", AE_IFDIR}, {"etc/x", AE_IFREG, "x"}}, Filter::gzip));
  // The gzip blob stays compressed in the store...
  LayerRecord layer = *a.find_layer(a.image(img.id)->layers[0]);
  EXPECT_EQ(layer.media_type, std::string(media_type::oci_layer_gzip));
  EXPECT_NE(layer.blob_digest, layer.diff_id);
  // ...and comes out of docker-archive uncompressed, its sha256 the diff ID.
  std::string out = dir_ + "/d.tar";
  save_to_path(a, resolve_save_items(a, {img.id}, false), ArchiveFormat::docker_archive, out);
  nook::UniqueFd fd(::open(out.c_str(), O_RDONLY | O_CLOEXEC));
  fs::create_directories(dir_ + "/x");
  auto files = extract_tar_archive(fd.get(), dir_ + "/x");
  auto manifest = parse_docker_archive_manifest(files->read_file("manifest.json", 1 << 20));
  ASSERT_EQ(manifest.size(), 1u);
  EXPECT_TRUE(manifest[0].repo_tags.empty());  // saved by ID: no name
  EXPECT_EQ(manifest[0].config, hex(img.id) + ".json");
  ASSERT_EQ(manifest[0].layers.size(), 1u);
  EXPECT_EQ(compute_digest(files->read_file(manifest[0].layers[0], 1 << 20)), layer.diff_id);
  EXPECT_EQ(compute_digest(files->read_file(manifest[0].config, 1 << 20)), img.id);
  // The legacy layout points at the same bytes.
  auto repos = json::parse(files->read_file("repositories", 1 << 20));
  EXPECT_TRUE(repos.empty());
  auto ids = docker_legacy_layer_ids({layer.diff_id}, img.id);
  EXPECT_EQ(compute_digest(files->read_file(ids[0] + "/layer.tar", 1 << 20)), layer.diff_id);
  EXPECT_EQ(files->read_file(ids[0] + "/VERSION", 10), "1.0");
  // The OCI layout keeps the compressed blob.
  std::string oci = dir_ + "/oci";
  save_to_path(a, resolve_save_items(a, {img.id}, false), ArchiveFormat::oci_dir, oci);
  EXPECT_EQ(compute_digest(slurp(oci + "/" + oci_blob_path(layer.blob_digest))), layer.blob_digest);
  auto index = parse_image_index(slurp(oci + "/index.json"));
  ASSERT_EQ(index.manifests.size(), 1u);
  EXPECT_TRUE(index.manifests[0].annotations.empty());
}

TEST_F(ArchiveTest, SavingTwiceGivesTheSameBytes) {
  Store a(dir_ + "/a");
  import(a, rootfs_tar(), ImportOptions{.reference = "same"});
  for (ArchiveFormat f : {ArchiveFormat::docker_archive, ArchiveFormat::oci_archive}) {
    save_to_path(a, resolve_save_items(a, {"same"}, false), f, dir_ + "/1.tar");
    save_to_path(a, resolve_save_items(a, {"same"}, false), f, dir_ + "/2.tar");
    EXPECT_EQ(slurp(dir_ + "/1.tar"), slurp(dir_ + "/2.tar"));
  }
}

TEST_F(ArchiveTest, MultiImageArchiveSharesLayersAndKeepsEveryName) {
  Store a(dir_ + "/a"), b(dir_ + "/b");
  auto one = import(a, rootfs_tar("one"), ImportOptions{.reference = "one"});
  auto two = import(a, rootfs_tar("two"), ImportOptions{.reference = "two:2"});
  auto again = import(a, rootfs_tar("one"), ImportOptions{.changes = {"USER 1"}});
  a.add_name(one.id, "localhost/alias:x");

  auto items = resolve_save_items(a, {"one", "two:2", "alias:x", again.id}, true);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].names,
            (std::vector<std::string>{"localhost/one:latest", "localhost/alias:x"}));
  EXPECT_TRUE(items[2].names.empty());
  std::string out = dir_ + "/m.tar";
  save_to_path(a, items, ArchiveFormat::docker_archive, out);
  nook::UniqueFd fd(::open(out.c_str(), O_RDONLY | O_CLOEXEC));
  fs::create_directories(dir_ + "/x");
  auto files = extract_tar_archive(fd.get(), dir_ + "/x");
  auto manifest = parse_docker_archive_manifest(files->read_file("manifest.json", 1 << 20));
  ASSERT_EQ(manifest.size(), 3u);
  EXPECT_EQ(manifest[0].layers, manifest[2].layers);  // "one" and its USER variant share it

  auto loaded = load_from_path(b, out, load_options());
  ASSERT_EQ(loaded.size(), 3u);
  EXPECT_EQ(loaded[0].id, one.id);
  EXPECT_EQ(loaded[1].id, two.id);
  EXPECT_EQ(loaded[2].id, again.id);
  EXPECT_EQ(b.lookup("alias:x")->id, one.id);
  EXPECT_EQ(b.lookup("two:2")->id, two.id);
  EXPECT_TRUE(b.image(again.id)->names.empty());

  // Without -m the extra arguments are more names for the first image.
  auto tags = resolve_save_items(a, {"one", "extra", "quay.io/x/y:3"}, false);
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].names, (std::vector<std::string>{"localhost/one:latest",
                                                     "localhost/extra:latest", "quay.io/x/y:3"}));
  EXPECT_NE(
      error_of([&] { resolve_save_items(a, {"nosuch"}, true); }).find("nosuch: image not known"),
      std::string::npos);
  EXPECT_THROW(resolve_save_items(a, {"one", "Bad:Name"}, false), Error);
  EXPECT_THROW(save_to_path(a, resolve_save_items(a, {"one", "two:2"}, true),
                            ArchiveFormat::docker_dir, dir_ + "/dd"),
               Error);
  EXPECT_FALSE(fs::exists(dir_ + "/dd"));
}

TEST_F(ArchiveTest, SaveRefusesABadDestinationAndLeavesNothing) {
  Store a(dir_ + "/a");
  import(a, rootfs_tar(), ImportOptions{.reference = "x"});
  auto items = resolve_save_items(a, {"x"}, false);
  file("full/keep", "k");
  EXPECT_NE(error_of([&] {
              save_to_path(a, items, ArchiveFormat::oci_dir, dir_ + "/full");
            }).find("exists and is not empty"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              save_to_path(a, items, ArchiveFormat::docker_archive, dir_ + "/full");
            }).find("is a directory"),
            std::string::npos);
  EXPECT_THROW(save_to_fd(a, items, ArchiveFormat::oci_dir, 1), Error);
  EXPECT_EQ(parse_archive_format("oci-archive"), ArchiveFormat::oci_archive);
  EXPECT_NE(error_of([] { parse_archive_format("tar"); }).find("format value must be one of"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              save_to_path(a, items, ArchiveFormat::docker_archive, dir_ + "/no/such/x.tar");
            }).find("no/such/x.tar"),
            std::string::npos);
  // A FIFO (or /dev/stdout) is written straight through.
  ASSERT_EQ(::mkfifo((dir_ + "/fifo").c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = nook::read_file(dir_ + "/fifo"); });
  save_to_path(a, items, ArchiveFormat::docker_archive, dir_ + "/fifo");
  reader.join();
  EXPECT_NE(received.find("manifest.json"), std::string::npos);
  // An empty directory is fine (it is replaced); no temporary is left.
  fs::create_directories(dir_ + "/empty");
  save_to_path(a, items, ArchiveFormat::oci_dir, dir_ + "/empty");
  EXPECT_TRUE(fs::exists(dir_ + "/empty/index.json"));
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().find("nook-save"), std::string::npos) << e.path();
}

TEST_F(ArchiveTest, ADamagedStoreFailsTheSave) {
  Store a(dir_ + "/a");
  auto img = import(a, rootfs_tar(), ImportOptions{.reference = "x"});
  LayerRecord layer = *a.find_layer(a.image(img.id)->layers[0]);
  std::string blob = a.blob_path(layer.blob_digest);
  std::string bytes = slurp(blob);
  bytes[bytes.size() / 2] ^= 1;
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(blob, std::ios::binary | std::ios::trunc) << bytes;
  auto items = resolve_save_items(a, {"x"}, false);
  for (ArchiveFormat f : {ArchiveFormat::docker_archive, ArchiveFormat::oci_archive}) {
    std::string msg = error_of([&] { save_to_path(a, items, f, dir_ + "/out.tar"); });
    EXPECT_NE(msg.find("digest mismatch"), std::string::npos) << msg;
    EXPECT_FALSE(fs::exists(dir_ + "/out.tar"));
  }
}

// The recorded manifest names blobs the store may not have (a layer that
// came first as a gzip blob and then from a docker-archive as a plain tar):
// save describes the stored blobs instead.
TEST_F(ArchiveTest, SaveDescribesTheStoredBlobsWhenTheRecordedManifestDoesNot) {
  Store a(dir_ + "/a"), b(dir_ + "/b");
  auto gz = import(a, make_tar({{"f", AE_IFREG, "same"}}, Filter::gzip),
                   ImportOptions{.reference = "gz"});
  auto plain = import(b, make_tar({{"f", AE_IFREG, "same"}}), ImportOptions{.reference = "plain"});
  EXPECT_EQ(a.image(gz.id)->layers, b.image(plain.id)->layers);
  // b's image into a, whose store holds that layer as gzip.
  std::string out = dir_ + "/p.tar";
  save_to_path(b, resolve_save_items(b, {"plain"}, false), ArchiveFormat::oci_archive, out);
  load_from_path(a, out, load_options());
  auto rec = *a.image(plain.id);
  StoredImage s = read_stored_image(a, rec, ManifestFlavor::oci);
  ImageManifest m = parse_image_manifest(s.manifest);
  EXPECT_EQ(m.layers[0].digest, a.find_layer(rec.layers[0])->blob_digest);
  EXPECT_EQ(m.layers[0].media_type, std::string(media_type::oci_layer_gzip));
  EXPECT_NE(s.manifest_digest, rec.manifest_digest);
  // And round-trips.
  Store c(dir_ + "/c");
  save_to_path(a, resolve_save_items(a, {"plain"}, false), ArchiveFormat::oci_archive,
               dir_ + "/q.tar");
  EXPECT_EQ(load_from_path(c, dir_ + "/q.tar", load_options())[0].id, plain.id);
}

// ---- malformed archives for load ----

struct Built {
  std::string config, config_digest, layer, diff_id;
};

Built one_layer_image(const std::string& marker = "m") {
  Built b;
  b.layer = make_tar({{"file", AE_IFREG, marker}});
  b.diff_id = compute_digest(b.layer);
  b.config = json{{"architecture", "amd64"},
                  {"os", "linux"},
                  {"rootfs", {{"type", "layers"}, {"diff_ids", {b.diff_id}}}}}
                 .dump();
  b.config_digest = compute_digest(b.config);
  return b;
}

std::string docker_archive(const Built& b, const std::string& manifest) {
  return make_tar({{"manifest.json", AE_IFREG, manifest},
                   {hex(b.config_digest) + ".json", AE_IFREG, b.config},
                   {"layer.tar", AE_IFREG, b.layer}});
}

std::string good_docker_manifest(const Built& b) {
  return json::array({{{"Config", hex(b.config_digest) + ".json"},
                       {"RepoTags", {"busybox:1"}},
                       {"Layers", {"layer.tar"}}}})
      .dump();
}

TEST_F(ArchiveTest, AHandMadeDockerArchiveLoadsWithPodmansNames) {
  Store s(dir_ + "/a");
  Built b = one_layer_image();
  auto loaded =
      load_from_path(s, file("d.tar", docker_archive(b, good_docker_manifest(b))), load_options());
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].id, b.config_digest);
  EXPECT_EQ(loaded[0].names, std::vector<std::string>{"localhost/busybox:1"});
  auto rec = *s.image(b.config_digest);
  EXPECT_EQ(rec.manifest_media_type, std::string(media_type::docker_manifest));
  // The synthesized manifest describes the plain tar blob that was stored.
  ImageManifest m = parse_image_manifest(s.read_blob(rec.manifest_digest, 1 << 20));
  EXPECT_EQ(m.layers[0].digest, b.diff_id);
  EXPECT_EQ(m.layers[0].media_type, std::string(media_type::docker_layer));
  EXPECT_EQ(rec.repo_digests, std::vector<std::string>{"localhost/busybox@" + rec.manifest_digest});
  EXPECT_EQ(nook::read_file(s.layer_path(b.diff_id) + "/file"), "m");
  // From a pipe, gzip-compressed, works the same.
  Store s2(dir_ + "/b");
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  nook::UniqueFd r(p[0]), w(p[1]);
  std::string gz = make_tar({{"manifest.json", AE_IFREG, good_docker_manifest(b)},
                             {hex(b.config_digest) + ".json", AE_IFREG, b.config},
                             {"layer.tar", AE_IFREG, b.layer}},
                            Filter::gzip);
  std::thread writer([&] {
    nook::write_all(w.get(), gz, "pipe");
    w.reset();
  });
  auto piped = load_from_fd(s2, r.get(), load_options());
  writer.join();
  EXPECT_EQ(piped[0].id, b.config_digest);
}

TEST_F(ArchiveTest, MalformedDockerArchivesFailAndLeaveNothing) {
  Built b = one_layer_image();
  Built other = one_layer_image("other");
  std::string cfg = hex(b.config_digest) + ".json";
  auto manifest = [&](json layers, json tags = json::array({"busybox:1"}),
                      std::string config = "") {
    return json::array({{{"Config", config.empty() ? cfg : config},
                         {"RepoTags", tags},
                         {"Layers", layers}}})
        .dump();
  };
  struct Case {
    std::string name, archive, why;
  } cases[] = {
      {"dotdot layer", docker_archive(b, manifest({"../layer.tar"})), "contains \"..\""},
      {"absolute layer", docker_archive(b, manifest({"/layer.tar"})), "is absolute"},
      {"missing layer", docker_archive(b, manifest({"nope.tar"})),
       "the archive has no file \"nope.tar\""},
      {"missing config",
       docker_archive(b, manifest({"layer.tar"}, json::array({"a:1"}), "gone.json")),
       "no file \"gone.json\""},
      {"too few layers", docker_archive(b, manifest(json::array())),
       "lists 0 layers, its config has 1"},
      {"config digest",
       make_tar({{"manifest.json", AE_IFREG, manifest({"layer.tar"})},
                 {cfg, AE_IFREG, other.config},
                 {"layer.tar", AE_IFREG, b.layer}}),
       "digest mismatch"},
      {"layer content",
       make_tar({{"manifest.json", AE_IFREG, manifest({"layer.tar"})},
                 {cfg, AE_IFREG, b.config},
                 {"layer.tar", AE_IFREG, other.layer}}),
       "diff ID"},
      {"layer blob name",
       make_tar({{"manifest.json", AE_IFREG, manifest({"blobs/sha256/" + hex(other.diff_id)})},
                 {cfg, AE_IFREG, b.config},
                 {"blobs/sha256/" + hex(other.diff_id), AE_IFREG, b.layer}}),
       "digest mismatch"},
      {"layer not a tar",
       make_tar({{"manifest.json", AE_IFREG, manifest({"layer.tar"})},
                 {cfg, AE_IFREG, b.config},
                 {"layer.tar", AE_IFREG, std::string(2048, 'q')}}),
       "layer"},
      {"untagged name", docker_archive(b, manifest({"layer.tar"}, json::array({"quay.io/x/y"}))),
       "has no tag"},
      {"bad name", docker_archive(b, manifest({"layer.tar"}, json::array({"UP:1"}))),
       "invalid image name"},
      {"bad config",
       make_tar({{"manifest.json", AE_IFREG, manifest({"layer.tar"}, json::array(), "c.json")},
                 {"c.json", AE_IFREG, "{\"rootfs\": 1}"},
                 {"layer.tar", AE_IFREG, b.layer}}),
       "invalid image config"},
      {"huge manifest", make_tar({{"manifest.json", AE_IFREG, std::string(5 << 20, ' ')}}),
       "larger than"},
      {"manifest link out", make_tar({{"manifest.json", AE_IFLNK, "", "/etc/passwd"}}),
       "points out of the archive"},
      {"layer link out",
       make_tar({{"manifest.json", AE_IFREG, manifest({"l/layer.tar"})},
                 {cfg, AE_IFREG, b.config},
                 {"l/layer.tar", AE_IFLNK, "", "../../host.tar"}}),
       "leads out of the archive"},
      {"neither format", make_tar({{"hello", AE_IFREG, "x"}}), "payload does not match"},
      {"not json", make_tar({{"manifest.json", AE_IFREG, "]["}}), "invalid manifest.json"},
  };
  int n = 0;
  for (const Case& c : cases) {
    Store s(dir_ + "/s" + std::to_string(n++));
    std::string msg =
        error_of([&] { load_from_path(s, file(c.name + ".tar", c.archive), load_options()); });
    EXPECT_NE(msg.find(c.why), std::string::npos) << c.name << " → " << msg;
    expect_empty(s);
  }
}

// A second image whose layer fails after the first image's layer was
// stored: neither image is recorded and the stored layer is collected.
TEST_F(ArchiveTest, AFailureInALaterImageRecordsNoImageAndCollectsStoredLayers) {
  Store s(dir_ + "/a");
  Built one = one_layer_image("one"), two = one_layer_image("two");
  std::string manifest =
      json::array({{{"Config", "1.json"}, {"RepoTags", {"one:1"}}, {"Layers", {"1.tar"}}},
                   {{"Config", "2.json"}, {"RepoTags", {"two:1"}}, {"Layers", {"2.tar"}}}})
          .dump();
  std::string archive = make_tar({{"manifest.json", AE_IFREG, manifest},
                                  {"1.json", AE_IFREG, one.config},
                                  {"1.tar", AE_IFREG, one.layer},
                                  {"2.json", AE_IFREG, two.config},
                                  {"2.tar", AE_IFREG, one.layer}});
  std::string msg = error_of([&] { load_from_path(s, file("two.tar", archive), load_options()); });
  EXPECT_NE(msg.find("diff ID"), std::string::npos) << msg;
  expect_empty(s);
}

struct OciParts {
  Built image;
  std::string manifest, manifest_digest;
  std::map<std::string, std::string> files;  // path → bytes
};

OciParts oci_parts(const std::string& ref_name = "quay.io/a/b:2") {
  OciParts o;
  o.image = one_layer_image();
  ImageManifest m;
  m.media_type = std::string(media_type::oci_manifest);
  m.config = {std::string(media_type::oci_config), o.image.config_digest,
              static_cast<int64_t>(o.image.config.size())};
  m.layers.push_back({std::string(media_type::oci_layer), o.image.diff_id,
                      static_cast<int64_t>(o.image.layer.size())});
  o.manifest = emit_image_manifest(m);
  o.manifest_digest = compute_digest(o.manifest);
  ImageIndex index;
  Descriptor d{std::string(media_type::oci_manifest), o.manifest_digest,
               static_cast<int64_t>(o.manifest.size())};
  if (!ref_name.empty()) d.annotations[std::string(kOciRefNameAnnotation)] = ref_name;
  index.manifests.push_back(d);
  o.files["oci-layout"] = emit_oci_layout();
  o.files["index.json"] = emit_image_index(index);
  o.files[oci_blob_path(o.manifest_digest)] = o.manifest;
  o.files[oci_blob_path(o.image.config_digest)] = o.image.config;
  o.files[oci_blob_path(o.image.diff_id)] = o.image.layer;
  return o;
}

std::string oci_tar(const std::map<std::string, std::string>& files) {
  std::vector<Entry> entries;
  for (const auto& [path, bytes] : files) entries.push_back({path, AE_IFREG, bytes});
  return make_tar(entries);
}

TEST_F(ArchiveTest, AHandMadeOciArchiveLoadsWithItsNameAndManifest) {
  Store s(dir_ + "/a");
  OciParts o = oci_parts();
  auto loaded = load_from_path(s, file("o.tar", oci_tar(o.files)), load_options());
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].names, std::vector<std::string>{"quay.io/a/b:2"});
  auto rec = *s.image(o.image.config_digest);
  EXPECT_EQ(rec.manifest_digest, o.manifest_digest);  // the archive's own manifest
  EXPECT_EQ(rec.repo_digests, std::vector<std::string>{"quay.io/a/b@" + o.manifest_digest});
  // Unnamed entries load unnamed; a tag-only ref.name goes under localhost/.
  Store s2(dir_ + "/b");
  EXPECT_TRUE(load_from_path(s2, file("u.tar", oci_tar(oci_parts("").files)), load_options())[0]
                  .names.empty());
  // Docker 25's archives: an OCI layout (ref.name the tag, the full name in
  // io.containerd.image.name) plus a docker manifest.json; the layout wins.
  OciParts d = oci_parts("latest");
  auto index = json::parse(d.files["index.json"]);
  index["manifests"][0]["annotations"][std::string(kContainerdNameAnnotation)] =
      "docker.io/library/busybox:1.36";
  d.files["index.json"] = index.dump();
  d.files["manifest.json"] = json::array({{{"Config", oci_blob_path(d.image.config_digest)},
                                           {"RepoTags", {"busybox:1.36"}},
                                           {"Layers", {oci_blob_path(d.image.diff_id)}}}})
                                 .dump();
  Store s3(dir_ + "/c");
  EXPECT_EQ(load_from_path(s3, file("d25.tar", oci_tar(d.files)), load_options())[0].names,
            std::vector<std::string>{"docker.io/library/busybox:1.36"});
  EXPECT_EQ(s3.image(d.image.config_digest)->manifest_digest, d.manifest_digest);
  EXPECT_EQ(load_from_path(s2, file("t.tar", oci_tar(oci_parts("latest").files)), load_options())[0]
                .names,
            std::vector<std::string>{"localhost/latest:latest"});
}

TEST_F(ArchiveTest, MalformedOciArchivesFailAndLeaveNothing) {
  struct Case {
    std::string name, why;
    std::function<void(OciParts&)> edit;
  } cases[] = {
      {"no oci-layout", "payload does not match", [](OciParts& o) { o.files.erase("oci-layout"); }},
      {"layout version", "unsupported OCI layout version",
       [](OciParts& o) { o.files["oci-layout"] = R"({"imageLayoutVersion":"9.9"})"; }},
      {"no index", "no file \"index.json\"", [](OciParts& o) { o.files.erase("index.json"); }},
      {"empty index", "index.json lists no images",
       [](OciParts& o) { o.files["index.json"] = R"({"schemaVersion":2,"manifests":[]})"; }},
      {"manifest missing", "no file",
       [](OciParts& o) { o.files.erase(oci_blob_path(o.manifest_digest)); }},
      {"manifest digest", "digest mismatch",
       [](OciParts& o) {
         std::string& m = o.files[oci_blob_path(o.manifest_digest)];
         m[m.size() - 2] = m[m.size() - 2] == '0' ? '1' : '0';
       }},
      {"manifest size", "its descriptor says",
       [](OciParts& o) { o.files[oci_blob_path(o.manifest_digest)] += " "; }},
      {"config digest", "digest mismatch",
       [](OciParts& o) {
         o.files[oci_blob_path(o.image.config_digest)] = one_layer_image("zz").config;
       }},
      {"layer digest", "digest mismatch",
       [](OciParts& o) {
         std::string& l = o.files[oci_blob_path(o.image.diff_id)];
         l[600] = static_cast<char>(l[600] ^ 1);
       }},
      {"layer size", "bytes in the archive, the manifest says",
       [](OciParts& o) { o.files[oci_blob_path(o.image.diff_id)] += std::string(512, '\0'); }},
      {"layer missing", "no file",
       [](OciParts& o) { o.files.erase(oci_blob_path(o.image.diff_id)); }},
      {"bad ref name", "invalid image name",
       [](OciParts& o) {
         auto j = json::parse(o.files["index.json"]);
         j["manifests"][0]["annotations"][std::string(kOciRefNameAnnotation)] = "a b";
         o.files["index.json"] = j.dump();
       }},
      {"index not json", "invalid", [](OciParts& o) { o.files["index.json"] = "{"; }},
  };
  int n = 0;
  for (const Case& c : cases) {
    OciParts o = oci_parts();
    c.edit(o);
    Store s(dir_ + "/s" + std::to_string(n++));
    std::string msg = error_of(
        [&] { load_from_path(s, file(c.name + ".tar", oci_tar(o.files)), load_options()); });
    EXPECT_NE(msg.find(c.why), std::string::npos) << c.name << " → " << msg;
    expect_empty(s);
  }
}

TEST_F(ArchiveTest, AnOciDirectoryLoadsAndItsLinksStayInside) {
  OciParts o = oci_parts();
  for (const auto& [path, bytes] : o.files) file("layout/" + path, bytes);
  Store s(dir_ + "/a");
  EXPECT_EQ(load_from_path(s, dir_ + "/layout", load_options())[0].id, o.image.config_digest);
  // The layer blob replaced by a link to a file outside the layout.
  std::string layer = dir_ + "/layout/" + oci_blob_path(o.image.diff_id);
  file("outside", o.image.layer);
  fs::remove(layer);
  fs::create_symlink("../../../outside", layer);
  Store s2(dir_ + "/b");
  std::string msg = error_of([&] { load_from_path(s2, dir_ + "/layout", load_options()); });
  EXPECT_NE(msg.find("no file"), std::string::npos) << msg;
  expect_empty(s2);
}

// ---- import ----

TEST_F(ArchiveTest, ImportBuildsPodmansConfigFromTheTarball) {
  Store s(dir_ + "/a");
  std::string path = file("root.tar", rootfs_tar());
  struct timespec times[2] = {{1700000000, 5}, {1700000000, 123456789}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  ImportOptions o;
  o.chown = false;
  o.changes = {"CMD [\"sh\"]", "EXPOSE 8080", "LABEL a=b", "WORKDIR /srv"};
  o.message = "hello";
  o.architecture = "arm64";
  o.os = "linux";
  o.reference = "quay.io/me/img:v1";
  ImportedImage img = import_from_path(s, path, o);
  EXPECT_EQ(img.name, "quay.io/me/img:v1");
  ImageConfig c = parse_image_config(s.read_blob(img.id, 1 << 20));
  EXPECT_EQ(c.created, "2023-11-14T22:13:20.123456789Z");  // the file's mtime
  EXPECT_EQ(c.architecture, "arm64");
  EXPECT_EQ(c.variant, "v8");
  EXPECT_EQ(c.os, "linux");
  EXPECT_EQ(*c.config.cmd, std::vector<std::string>{"sh"});
  EXPECT_EQ(c.config.exposed_ports, std::set<std::string>{"8080/tcp"});
  EXPECT_EQ(c.config.working_dir, "/srv");
  ASSERT_EQ(c.history.size(), 1u);
  EXPECT_EQ(c.history[0].comment, "hello");
  EXPECT_EQ(c.history[0].created_by,
            "/bin/sh -c #(nop) ADD file:" + hex(c.rootfs.diff_ids[0]) + " in /");
  EXPECT_EQ(c.raw["comment"], "hello");
  EXPECT_NO_THROW(check_history(c));
  EXPECT_EQ(c.rootfs.diff_ids[0], compute_digest(rootfs_tar()));
  auto rec = *s.image(img.id);
  EXPECT_EQ(rec.names, std::vector<std::string>{"quay.io/me/img:v1"});
  EXPECT_EQ(rec.manifest_media_type, std::string(media_type::oci_manifest));
  EXPECT_EQ(nook::read_file(s.layer_path(c.rootfs.diff_ids[0]) + "/bin/sh"), "#!fake shell hello");
  // The same file imported again is the same image (podman's behaviour too).
  EXPECT_EQ(import_from_path(s, path, o).id, img.id);
  // Without a message: podman's default comment, no top-level comment.
  ImportOptions plain;
  plain.chown = false;
  ImportedImage untagged = import_from_path(s, path, plain);
  ImageConfig pc = parse_image_config(s.read_blob(untagged.id, 1 << 20));
  EXPECT_EQ(pc.history[0].comment, "imported from tarball");
  EXPECT_FALSE(pc.raw.contains("comment"));
  EXPECT_TRUE(s.image(untagged.id)->names.empty());
  EXPECT_TRUE(untagged.name.empty());
}

TEST_F(ArchiveTest, ImportKeepsGzipAndZstdBlobsAndUnpacksBzip2AndXz) {
  std::string plain = rootfs_tar();
  std::string diff = compute_digest(plain);
  struct {
    Filter filter;
    std::string_view type;
    bool kept;
  } cases[] = {{Filter::none, media_type::oci_layer, true},
               {Filter::gzip, media_type::oci_layer_gzip, true},
               {Filter::zstd, media_type::oci_layer_zstd, true},
               {Filter::bzip2, media_type::oci_layer, false},
               {Filter::xz, media_type::oci_layer, false}};
  for (const auto& c : cases) {
    Store fresh(dir_ + "/f" + std::to_string(static_cast<int>(c.filter)));
    std::string tar = make_tar({{"etc", AE_IFDIR},
                                {"etc/hostname", AE_IFREG, "hello\n"},
                                {"bin", AE_IFDIR},
                                {"bin/sh", AE_IFREG, "#!fake shell hello"},
                                {"bin/ls", AE_IFLNK, "", "sh"}},
                               c.filter);
    ImportedImage img = import(fresh, tar);
    LayerRecord l = *fresh.find_layer(fresh.image(img.id)->layers[0]);
    EXPECT_EQ(l.diff_id, diff);
    EXPECT_EQ(l.media_type, std::string(c.type));
    EXPECT_EQ(l.blob_digest, c.kept ? compute_digest(tar) : diff);
  }
}

TEST_F(ArchiveTest, ImportRefusesBadInputBeforeTouchingTheStore) {
  Store s(dir_ + "/a");
  std::string tar = file("ok.tar", rootfs_tar());
  auto attempt = [&](const std::string& path, ImportOptions o) {
    o.chown = false;
    return error_of([&] { import_from_path(s, path, o); });
  };
  EXPECT_NE(attempt(tar, {.changes = {"BOGUS x"}}).find("invalid instruction BOGUS"),
            std::string::npos);
  EXPECT_NE(attempt(tar, {.reference = "Bad Ref"}).find("invalid reference format"),
            std::string::npos);
  EXPECT_NE(attempt(tar, {.reference = "x@sha256:" + std::string(64, 'a')}).find("digest"),
            std::string::npos);
  EXPECT_NE(attempt(tar, {.architecture = "a/b"}).find("platform"), std::string::npos);
  EXPECT_NE(attempt("ftp://127.0.0.1/root.tar", {}).find("only http:// and https:// URLs"),
            std::string::npos);
  // Checked before anything is fetched: nothing listens on port 1 anyway.
  EXPECT_NE(attempt("http://127.0.0.1:1/root.tar", {.changes = {"BOGUS x"}})
                .find("invalid instruction BOGUS"),
            std::string::npos);
  EXPECT_NE(attempt("http://127.0.0.1:1/root.tar", {}).find("import: GET http://127.0.0.1:1/"),
            std::string::npos);
  EXPECT_NE(attempt(dir_ + "/nosuch.tar", {}).find("nosuch.tar"), std::string::npos);
  EXPECT_NE(attempt(dir_, {}).find("is a directory"), std::string::npos);
  EXPECT_NE(attempt(file("empty.tar", ""), {}).find("empty"), std::string::npos);
  std::string junk = attempt(file("junk.tar", std::string(3000, 'j')), {});
  EXPECT_NE(junk.find("unpack layer"), std::string::npos) << junk;
  std::string hostile =
      attempt(file("dotdot.tar", make_tar({{"../../escape", AE_IFREG, "x"}})), {});
  EXPECT_NE(hostile.find(".."), std::string::npos) << hostile;
  EXPECT_FALSE(fs::exists(dir_ + "/escape"));
  EXPECT_TRUE(s.list_images().empty());
  EXPECT_TRUE(fs::is_empty(s.root() + "/tmp"));
  EXPECT_TRUE(fs::is_empty(s.root() + "/layers"));
}

}  // namespace
