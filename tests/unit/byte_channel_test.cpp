#include "image/byte_channel.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "image/decompress.hpp"
#include "image/layer_unpack.hpp"
#include "sys/error.hpp"
#include "temp_dir.hpp"

using nook::image::ByteChannel;

namespace {

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string read_all(ByteChannel& ch, size_t chunk) {
  std::string out;
  std::vector<uint8_t> buf(chunk);
  while (size_t n = ch.read(buf.data(), buf.size()))
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  return out;
}

// A writer thread that always ends the stream, whatever happens, so a
// failing test cannot leave the reader waiting; ok() says whether every
// write went through.
class Writer {
 public:
  Writer(ByteChannel& ch, std::string data, std::vector<size_t> sizes)
      : thread_([this, &ch, data = std::move(data), sizes = std::move(sizes)] {
          size_t pos = 0, i = 0;
          while (pos < data.size()) {
            size_t k = std::min(sizes[i++ % sizes.size()], data.size() - pos);
            if (!ch.write(data.data() + pos, k)) {
              ok_ = false;
              break;
            }
            pos += k;
          }
          ch.close_write();
        }) {}
  ~Writer() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  bool ok() {
    join();
    return ok_;
  }

 private:
  std::atomic<bool> ok_{true};
  std::thread thread_;
};

std::string tar_with_file(const std::string& name, const std::string& content) {
  std::vector<char> buf(content.size() + 16384);
  size_t used = 0;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_open_memory(a, buf.data(), buf.size(), &used);
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
  archive_write_header(a, e);
  archive_write_data(a, content.data(), content.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

}  // namespace

TEST(ByteChannel, CarriesEveryByteInOrderAcrossThreadsAndTheRingsEnd) {
  // A capacity that no write or read size divides: the ring wraps at every
  // possible offset.
  ByteChannel ch(1000);
  std::string data = random_bytes(3'000'017, 7);
  Writer w(ch, data, {1, 999, 1000, 1001, 4096, 77});
  std::string got = read_all(ch, 333);
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
}

TEST(ByteChannel, EndOfStreamAfterTheRestIsRead) {
  ByteChannel ch(16);
  ASSERT_TRUE(ch.write("hello", 5));
  ch.close_write();
  uint8_t buf[16];
  EXPECT_EQ(ch.read(buf, 0), 0u) << "an empty read takes nothing";
  ASSERT_EQ(ch.read(buf, sizeof buf), 5u);
  EXPECT_EQ(std::memcmp(buf, "hello", 5), 0);
  EXPECT_EQ(ch.read(buf, sizeof buf), 0u);
  EXPECT_EQ(ch.read(buf, sizeof buf), 0u);
}

TEST(ByteChannel, AReaderThatStopsReleasesABlockedWriter) {
  ByteChannel ch(64);
  // 64 KiB through a 64-byte ring: the writer must wait for room.
  Writer w(ch, std::string(1 << 16, 'x'), {1 << 16});
  // Bytes arriving prove the writer is inside write(); after these it
  // fills the ring again and waits.
  uint8_t buf[16];
  size_t got = 0;
  while (got < 200) {
    size_t n = ch.read(buf, sizeof buf);
    ASSERT_GT(n, 0u);
    got += n;
  }
  ch.close_read();
  EXPECT_FALSE(w.ok());
  EXPECT_FALSE(ch.write("y", 1));
}

TEST(ByteChannel, AWaitingReaderGetsTheBytesThenTheEnd) {
  ByteChannel ch(64);
  std::string got;
  std::thread reader([&] { got = read_all(ch, 8); });
  ASSERT_TRUE(ch.write("abc", 3));
  ch.close_write();
  reader.join();
  EXPECT_EQ(got, "abc");
}

TEST(ByteChannel, FeedsADecompressorLikeAFile) {
  ByteChannel ch;
  // "hello\n" gzipped (gzip -n), one byte per write.
  const unsigned char gz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                              0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xe7, 0x02, 0x00,
                              0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00};
  Writer w(ch, std::string(reinterpret_cast<const char*>(gz), sizeof gz), {1});
  std::string out;
  EXPECT_NO_THROW({
    auto dec = nook::image::open_decompressor(ch, nook::image::Compression::gzip);
    uint8_t buf[64];
    while (size_t n = dec->read(buf, sizeof buf)) out.append(reinterpret_cast<char*>(buf), n);
  });
  ch.close_read();
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(out, "hello\n");
}

TEST(ByteChannel, ALayerUnpacksFromTheChannel) {
  nook::test::TempDir dir("/tmp/nook-channel-test-");
  ByteChannel ch(4096);
  std::string content = random_bytes(100'000, 3);
  Writer w(ch, tar_with_file("data/file.bin", content), {1000});
  nook::image::UnpackOptions opts;
  opts.chown = false;
  nook::image::UnpackResult r;
  EXPECT_NO_THROW(r = nook::image::unpack_layer(ch, "application/vnd.oci.image.layer.v1.tar",
                                                dir.path(), opts));
  ch.close_read();
  EXPECT_TRUE(w.ok());
  std::ifstream f(dir.path("data/file.bin"), std::ios::binary);
  std::string on_disk((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(on_disk == content);
  EXPECT_EQ(r.entries, 1u);
}

TEST(ByteChannel, AFailedUnpackStopsTheWriter) {
  nook::test::TempDir dir("/tmp/nook-channel-test-");
  ByteChannel ch(4096);
  // A plain gzip header, then a deflate block of the reserved type 3: the
  // inflater fails on the first block, with 4 MiB more than the ring holds
  // still to be written. (Garbage right after the magic would not do: its
  // flag byte announces a file name, and the header parser reads on for
  // its end.)
  std::string junk("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  junk += std::string(4 << 20, '\xff');
  Writer w(ch, junk, {65536});
  nook::image::UnpackOptions opts;
  opts.chown = false;
  EXPECT_THROW(nook::image::unpack_layer(ch, "application/vnd.oci.image.layer.v1.tar+gzip",
                                         dir.path(), opts),
               nook::Error);
  ch.close_read();  // what UnpackThread does after unpack_layer returns or throws
  EXPECT_FALSE(w.ok()) << "the writer should be told to stop, not block or finish";
}
