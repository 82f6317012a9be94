#include "image/byte_channel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "image/decompress.hpp"

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

}  // namespace

TEST(ByteChannel, CarriesEveryByteInOrderAcrossThreadsAndTheRingsEnd) {
  // A capacity that no write or read size divides: the ring wraps at every
  // possible offset.
  ByteChannel ch(1000);
  std::string data = random_bytes(3'000'017, 7);
  std::thread writer([&] {
    size_t sizes[] = {1, 999, 1000, 1001, 4096, 77};
    size_t pos = 0, i = 0;
    while (pos < data.size()) {
      size_t k = std::min(sizes[i++ % 6], data.size() - pos);
      ASSERT_TRUE(ch.write(data.data() + pos, k));
      pos += k;
    }
    ch.close_write();
  });
  std::string got = read_all(ch, 333);
  writer.join();
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
}

TEST(ByteChannel, EndOfStreamAfterTheRestIsRead) {
  ByteChannel ch(16);
  ASSERT_TRUE(ch.write("hello", 5));
  ch.close_write();
  uint8_t buf[16];
  ASSERT_EQ(ch.read(buf, sizeof buf), 5u);
  EXPECT_EQ(std::memcmp(buf, "hello", 5), 0);
  EXPECT_EQ(ch.read(buf, sizeof buf), 0u);
  EXPECT_EQ(ch.read(buf, sizeof buf), 0u);
}

TEST(ByteChannel, AReaderThatStopsReleasesABlockedWriter) {
  ByteChannel ch(64);
  std::atomic<int> result{-1};
  std::thread writer([&] {
    std::string big(1 << 16, 'x');
    result = ch.write(big.data(), big.size()) ? 1 : 0;  // blocks: 64 bytes fit
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(result.load(), -1) << "the writer should wait for room";
  ch.close_read();
  writer.join();
  EXPECT_EQ(result.load(), 0);
  EXPECT_FALSE(ch.write("y", 1));
}

TEST(ByteChannel, AReaderWaitsForTheWriter) {
  ByteChannel ch(64);
  std::atomic<size_t> got{999};
  std::thread reader([&] {
    uint8_t buf[8];
    got = ch.read(buf, sizeof buf);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(got.load(), 999u) << "the reader should wait for bytes";
  ASSERT_TRUE(ch.write("abc", 3));
  reader.join();
  EXPECT_EQ(got.load(), 3u);
}

TEST(ByteChannel, FeedsADecompressorLikeAFile) {
  ByteChannel ch;
  std::thread writer([&] {
    // "hello\n" gzipped (gzip -n).
    const unsigned char gz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xe7, 0x02, 0x00,
                                0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00};
    for (unsigned char c : gz) ASSERT_TRUE(ch.write(&c, 1));
    ch.close_write();
  });
  auto dec = nook::image::open_decompressor(ch, nook::image::Compression::gzip);
  uint8_t buf[64];
  std::string out;
  while (size_t n = dec->read(buf, sizeof buf)) out.append(reinterpret_cast<char*>(buf), n);
  writer.join();
  EXPECT_EQ(out, "hello\n");
}
