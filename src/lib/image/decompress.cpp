#include "image/decompress.hpp"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "sys/error.hpp"

namespace nook::image {
namespace {

constexpr size_t kInputSize = 256 * 1024;

// Buffered, strictly sequential reads from a byte source, owned (an fd's)
// or borrowed (a download's channel).
class Input {
 public:
  explicit Input(ByteSource& src) : src_(&src), buf_(new uint8_t[kInputSize]) {}
  explicit Input(std::unique_ptr<ByteSource> owned) : Input(*owned) { owned_ = std::move(owned); }

  // Reads more when the buffer is used up; false at end of file.
  bool fill() {
    if (pos_ < len_) return true;
    pos_ = len_ = 0;
    return read_more();
  }
  // Makes at least n bytes available unless the file ends first.
  void peek(size_t n) {
    while (len_ - pos_ < n && read_more()) {
    }
  }
  bool read_more() {
    if (eof_) return false;
    if (pos_ == len_) {
      pos_ = len_ = 0;
    } else if (len_ == kInputSize) {
      std::memmove(buf_.get(), buf_.get() + pos_, len_ - pos_);
      len_ -= pos_;
      pos_ = 0;
    }
    size_t r = src_->read(buf_.get() + len_, kInputSize - len_);
    if (r == 0) eof_ = true;
    len_ += r;
    return r > 0;
  }
  // Past the buffer: straight from the source into the caller's memory.
  size_t read_direct(uint8_t* buf, size_t n) {
    if (eof_ || n == 0) return 0;
    size_t r = src_->read(buf, n);
    if (r == 0) eof_ = true;
    return r;
  }

  uint8_t* data() { return buf_.get() + pos_; }
  size_t size() const { return len_ - pos_; }
  void consume(size_t n) { pos_ += n; }
  bool at_end() const { return eof_ && pos_ == len_; }

 private:
  std::unique_ptr<ByteSource> owned_;
  ByteSource* src_;
  std::unique_ptr<uint8_t[]> buf_;
  size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
};

bool is_gzip(const uint8_t* p, size_t n) {
  return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

// A zstd frame, or a skippable frame (magic 0x184D2A5?), which zstd decoders
// must pass over.
bool is_zstd(const uint8_t* p, size_t n) {
  if (n < 4) return false;
  uint32_t m = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
  return m == 0xFD2FB528u || (m & 0xFFFFFFF0u) == 0x184D2A50u;
}

class PlainReader final : public Decompressor {
 public:
  explicit PlainReader(Input in) : in_(std::move(in)) {}
  size_t read(uint8_t* buf, size_t n) override {
    if (in_.size() > 0) {
      size_t k = std::min(n, in_.size());
      std::memcpy(buf, in_.data(), k);
      in_.consume(k);
      return k;
    }
    return in_.read_direct(buf, n);
  }

 private:
  Input in_;
};

std::string isal_error(int r) {
  switch (r) {
    case ISAL_INVALID_BLOCK:
      return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:
      return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid deflate back-reference distance";
    case ISAL_INVALID_WRAPPER:
      return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD:
      return "unsupported gzip compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "gzip checksum mismatch";
    default:
      return "inflate error " + std::to_string(r);
  }
}

class GzipReader final : public Decompressor {
 public:
  explicit GzipReader(Input in) : in_(std::move(in)), st_(new inflate_state) {
    isal_inflate_init(st_.get());
    st_->crc_flag = ISAL_GZIP;
  }

  size_t read(uint8_t* buf, size_t n) override {
    n = std::min<size_t>(n, UINT32_MAX);
    for (;;) {
      if (st_->block_state == ISAL_BLOCK_FINISH) {
        // A member ended. Another may follow (pigz, concatenated files);
        // anything else after it is an error the next header parse reports.
        in_.peek(2);
        if (in_.size() == 0) return 0;
        if (!is_gzip(in_.data(), in_.size()))
          throw Error("decompress gzip layer: trailing data after the gzip stream");
        isal_inflate_reset(st_.get());
        st_->crc_flag = ISAL_GZIP;
        after_member_ = true;
      }
      in_.fill();
      size_t avail_before = in_.size();
      st_->next_in = in_.data();
      st_->avail_in = static_cast<uint32_t>(avail_before);
      st_->next_out = buf;
      st_->avail_out = static_cast<uint32_t>(n);
      int r = isal_inflate(st_.get());
      in_.consume(avail_before - st_->avail_in);
      if (r < 0) {
        if (after_member_ && r == ISAL_INVALID_WRAPPER)
          throw Error("decompress gzip layer: trailing data after the gzip stream");
        throw Error("decompress gzip layer: " + isal_error(r) + " (corrupt stream)");
      }
      size_t produced = n - st_->avail_out;
      if (produced > 0) return produced;
      if (st_->block_state == ISAL_BLOCK_FINISH) continue;
      if (in_.at_end()) throw Error("decompress gzip layer: the gzip stream is truncated");
      if (avail_before > 0 && st_->avail_in == avail_before)
        throw Error("decompress gzip layer: decoder made no progress (corrupt stream)");
    }
  }

 private:
  Input in_;
  std::unique_ptr<inflate_state> st_;
  bool after_member_ = false;
};

class ZstdReader final : public Decompressor {
 public:
  explicit ZstdReader(Input in) : in_(std::move(in)), ctx_(ZSTD_createDCtx()) {
    if (!ctx_) throw Error("decompress zstd layer: cannot allocate a decoder");
  }
  ~ZstdReader() override { ZSTD_freeDCtx(ctx_); }
  ZstdReader(const ZstdReader&) = delete;
  ZstdReader& operator=(const ZstdReader&) = delete;

  size_t read(uint8_t* buf, size_t n) override {
    for (;;) {
      in_.fill();
      ZSTD_inBuffer ib{in_.data(), in_.size(), 0};
      ZSTD_outBuffer ob{buf, n, 0};
      size_t r = ZSTD_decompressStream(ctx_, &ob, &ib);
      in_.consume(ib.pos);
      if (ZSTD_isError(r))
        throw Error(std::string("decompress zstd layer: ") + ZSTD_getErrorName(r) +
                    " (corrupt stream)");
      // r == 0: a frame is complete and flushed. A call that neither
      // consumed nor produced anything says nothing about that.
      if (ib.pos > 0 || ob.pos > 0) frame_open_ = r != 0;
      if (ob.pos > 0) return ob.pos;
      if (in_.at_end()) {
        if (frame_open_) throw Error("decompress zstd layer: the zstd stream is truncated");
        return 0;
      }
    }
  }

 private:
  Input in_;
  ZSTD_DCtx* ctx_;
  bool frame_open_ = true;
};

}  // namespace

Compression layer_compression(const std::string& media_type) {
  static const struct {
    const char* type;
    Compression c;
  } known[] = {
      {"application/vnd.oci.image.layer.v1.tar", Compression::none},
      {"application/vnd.oci.image.layer.v1.tar+gzip", Compression::gzip},
      {"application/vnd.oci.image.layer.v1.tar+zstd", Compression::zstd},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar", Compression::none},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", Compression::gzip},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", Compression::zstd},
      {"application/vnd.docker.image.rootfs.diff.tar", Compression::none},
      {"application/vnd.docker.image.rootfs.diff.tar.gzip", Compression::gzip},
      {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Compression::gzip},
  };
  for (const auto& k : known)
    if (media_type == k.type) return k.c;
  throw Error("unpack layer: unsupported layer media type `" + media_type + "`");
}

const char* compression_name(Compression c) {
  switch (c) {
    case Compression::none:
      return "uncompressed tar";
    case Compression::gzip:
      return "gzip";
    case Compression::zstd:
      return "zstd";
  }
  return "?";
}

namespace {

std::unique_ptr<Decompressor> open_input(Input in, Compression c) {
  in.peek(4);
  Compression actual = is_gzip(in.data(), in.size())   ? Compression::gzip
                       : is_zstd(in.data(), in.size()) ? Compression::zstd
                                                       : Compression::none;
  if (actual != c) {
    throw Error(std::string("unpack layer: the media type says ") + compression_name(c) +
                " but the data is " +
                (actual == Compression::none ? std::string("not ") + compression_name(c)
                                             : std::string(compression_name(actual))));
  }
  switch (c) {
    case Compression::none:
      return std::make_unique<PlainReader>(std::move(in));
    case Compression::gzip:
      return std::make_unique<GzipReader>(std::move(in));
    case Compression::zstd:
      return std::make_unique<ZstdReader>(std::move(in));
  }
  throw Error("unpack layer: unknown compression");
}

}  // namespace

std::unique_ptr<Decompressor> open_decompressor(ByteSource& src, Compression c) {
  return open_input(Input(src), c);
}

std::unique_ptr<Decompressor> open_decompressor(int fd, Compression c) {
  return open_input(Input(std::make_unique<FdByteSource>(fd)), c);
}

}  // namespace nook::image
