#pragma once
// Realistic registry documents for the manifest, platform and image config
// tests, as JSON values the tests mutate one field at a time. Shapes are
// those Docker Hub serves today (busybox: an OCI index from bashbrew with
// buildx attestation entries; Docker schema 2 manifests and configs from
// older pushes); digests are sha256 of small strings, so they are valid.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/digest.hpp"

namespace nook_test {

using nlohmann::json;

inline std::string digest_of(const std::string& s) {
  return nook::image::compute_digest(s);
}

inline json descriptor(const std::string& media_type, const std::string& seed, int64_t size) {
  return {{"mediaType", media_type}, {"digest", digest_of(seed)}, {"size", size}};
}

// busybox:latest's index: one image and one attestation per architecture.
inline json busybox_index() {
  struct Arch {
    const char* bashbrew;
    const char* architecture;
    const char* variant;
  };
  const std::vector<Arch> arches = {
      {"amd64", "amd64", nullptr},       {"arm32v5", "arm", "v5"},
      {"arm32v6", "arm", "v6"},          {"arm32v7", "arm", "v7"},
      {"arm64v8", "arm64", "v8"},        {"i386", "386", nullptr},
      {"mips64le", "mips64le", nullptr}, {"ppc64le", "ppc64le", nullptr},
      {"riscv64", "riscv64", nullptr},   {"s390x", "s390x", nullptr},
  };
  json manifests = json::array();
  for (const auto& a : arches) {
    json image = descriptor("application/vnd.oci.image.manifest.v1+json",
                            std::string("image-") + a.bashbrew, 610);
    image["annotations"] = {
        {"com.docker.official-images.bashbrew.arch", a.bashbrew},
        {"org.opencontainers.image.base.name", "scratch"},
        {"org.opencontainers.image.created", "2024-09-26T21:31:42Z"},
        {"org.opencontainers.image.source",
         "https://github.com/docker-library/busybox.git#5e0e1f9:latest-1/glibc"},
        {"org.opencontainers.image.url", "https://hub.docker.com/_/busybox"},
        {"org.opencontainers.image.version", "1.37.0-glibc"},
    };
    image["platform"] = {{"architecture", a.architecture}, {"os", "linux"}};
    if (a.variant) image["platform"]["variant"] = a.variant;
    manifests.push_back(image);

    json att = descriptor("application/vnd.oci.image.manifest.v1+json",
                          std::string("attestation-") + a.bashbrew, 839);
    att["annotations"] = {
        {"com.docker.official-images.bashbrew.arch", a.bashbrew},
        {"vnd.docker.reference.digest", image["digest"]},
        {"vnd.docker.reference.type", "attestation-manifest"},
    };
    att["platform"] = {{"architecture", "unknown"}, {"os", "unknown"}};
    manifests.push_back(att);
  }
  return {{"manifests", manifests},
          {"mediaType", "application/vnd.oci.image.index.v1+json"},
          {"schemaVersion", 2}};
}

// A Docker schema 2 manifest (what "docker push" of a 2-layer image gives).
inline json docker_manifest() {
  return {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
      {"config", descriptor("application/vnd.docker.container.image.v1+json", "config", 1457)},
      {"layers",
       {descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", "layer0", 2817383),
        descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", "layer1", 1024)}},
  };
}

// An OCI manifest with the optional parts: annotations, a subject, a zstd
// layer, an uncompressed one.
inline json oci_manifest() {
  json m = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config", descriptor("application/vnd.oci.image.config.v1+json", "oci-config", 580)},
      {"layers",
       {descriptor("application/vnd.oci.image.layer.v1.tar+gzip", "oci-layer0", 2150000),
        descriptor("application/vnd.oci.image.layer.v1.tar+zstd", "oci-layer1", 3000),
        descriptor("application/vnd.oci.image.layer.v1.tar", "oci-layer2", 10240)}},
      {"annotations",
       {{"org.opencontainers.image.created", "2024-09-26T21:31:42Z"},
        {"org.opencontainers.image.title", "demo"}}},
  };
  m["subject"] = descriptor("application/vnd.oci.image.manifest.v1+json", "subject", 700);
  return m;
}

// A Docker image config as "docker build" writes it (busybox-like, one
// layer, CMD as the last history step).
inline json docker_config() {
  json c = json::parse(R"({
    "architecture": "amd64",
    "config": {
      "Hostname": "", "Domainname": "", "User": "", "AttachStdin": false,
      "AttachStdout": false, "AttachStderr": false, "Tty": false, "OpenStdin": false,
      "StdinOnce": false,
      "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      "Cmd": ["sh"], "Image": "sha256:5f3b3c0a1f1b", "Volumes": null, "WorkingDir": "",
      "Entrypoint": null, "OnBuild": null, "Labels": null
    },
    "container": "2fa3c5cbf5e4",
    "container_config": {
      "Hostname": "2fa3c5cbf5e4", "Cmd": ["/bin/sh", "-c", "#(nop) ", "CMD [\"sh\"]"],
      "Labels": {}
    },
    "created": "2023-07-18T23:19:33.655005962Z",
    "docker_version": "20.10.23",
    "history": [
      {"created": "2023-07-18T23:19:33.538571854Z",
       "created_by": "/bin/sh -c #(nop) ADD file:7e9002edaafd4e4579b65c8f0aaabde1aeb7fd3f8d95579f7fd3443cef785fd1 in / "},
      {"created": "2023-07-18T23:19:33.655005962Z",
       "created_by": "/bin/sh -c #(nop)  CMD [\"sh\"]", "empty_layer": true}
    ],
    "os": "linux",
    "rootfs": {"type": "layers", "diff_ids": []}
  })");
  c["rootfs"]["diff_ids"].push_back(digest_of("diff0"));
  return c;
}

// An OCI config as buildah writes it, with every modelled field set.
inline json oci_config() {
  return {
      {"created", "2024-01-02T03:04:05.123456789+01:00"},
      {"author", "nook tests"},
      {"architecture", "arm64"},
      {"variant", "v8"},
      {"os", "linux"},
      {"config",
       {{"User", "1000:1000"},
        {"ExposedPorts", {{"80/tcp", json::object()}, {"53/udp", json::object()}}},
        {"Env", {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}},
        {"Entrypoint", {"/entrypoint.sh"}},
        {"Cmd", {"serve", "--port", "80"}},
        {"Volumes", {{"/data", json::object()}}},
        {"WorkingDir", "/srv"},
        {"Labels", {{"org.opencontainers.image.title", "demo"}, {"maintainer", "x"}}},
        {"StopSignal", "SIGQUIT"},
        {"ArgsEscaped", true}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {digest_of("d0"), digest_of("d1")}}}},
      {"history",
       {{{"created", "2024-01-02T03:04:00Z"}, {"created_by", "ADD rootfs.tar /"}},
        {{"created", "2024-01-02T03:04:01Z"},
         {"created_by", "ENV LANG=C.UTF-8"},
         {"empty_layer", true}},
        {{"created", "2024-01-02T03:04:02Z"},
         {"created_by", "COPY app /srv"},
         {"author", "someone"},
         {"comment", "buildah"}}}},
  };
}

}  // namespace nook_test
