#include <unistd.h>

#include <iostream>
#include <iterator>

#include "cli.hpp"
#include "oci/spec_parse.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::cli {
namespace {

// linux.resources JSON → Resources, validated by the config.json parser so
// that errors name the same JSON paths.
oci::Resources parse_resources(const std::string& text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("invalid resources JSON: ") + e.what());
  }
  nlohmann::json config = {
      {"ociVersion", "1.0.2"}, {"root", {{"path", "/"}}}, {"linux", {{"resources", doc}}}};
  oci::Spec s = oci::parse_spec(config.dump());
  return s.linux.resources.value_or(oci::Resources{});
}

}  // namespace

void add_cgroup_commands(CLI::App& app, Context& ctx) {
  static std::string pause_id, resume_id;
  auto* pause = app.add_subcommand("pause", "freeze every process of the container");
  pause->add_option("id", pause_id, "container id")->required();
  pause->callback([&ctx] { ctx.runtime().pause(pause_id); });
  auto* resume = app.add_subcommand("resume", "thaw a paused container");
  resume->add_option("id", resume_id, "container id")->required();
  resume->callback([&ctx] { ctx.runtime().resume(resume_id); });

  static std::string update_id, resources_file, cpuset_cpus, cpuset_mems;
  static std::optional<int64_t> memory, memory_swap, memory_reservation, cpu_quota, pids_limit;
  static std::optional<uint64_t> cpu_shares, cpu_period;
  static std::optional<uint16_t> blkio_weight;
  auto* update = app.add_subcommand("update", "change the container's resource limits");
  update->add_option("id", update_id, "container id")->required();
  update->add_option("-r,--resources", resources_file, "linux.resources JSON file (- for stdin)");
  update->add_option("--memory", memory, "memory limit in bytes");
  update->add_option("--memory-swap", memory_swap, "memory+swap limit in bytes");
  update->add_option("--memory-reservation", memory_reservation, "memory soft limit in bytes");
  update->add_option("--cpu-shares", cpu_shares, "relative CPU weight");
  update->add_option("--cpu-quota", cpu_quota, "CFS quota in microseconds");
  update->add_option("--cpu-period", cpu_period, "CFS period in microseconds");
  update->add_option("--cpuset-cpus", cpuset_cpus, "CPUs allowed");
  update->add_option("--cpuset-mems", cpuset_mems, "memory nodes allowed");
  update->add_option("--pids-limit", pids_limit, "maximum number of processes");
  update->add_option("--blkio-weight", blkio_weight, "block IO weight (10-1000)");
  update->callback([&ctx] {
    oci::Resources r;
    if (!resources_file.empty()) {
      std::string text = resources_file == "-"
                             ? std::string(std::istreambuf_iterator<char>(std::cin), {})
                             : read_file(resources_file);
      r = parse_resources(text);
    }
    if (memory || memory_swap || memory_reservation) {
      if (!r.memory) r.memory.emplace();
      if (memory) r.memory->limit = memory;
      if (memory_swap) r.memory->swap = memory_swap;
      if (memory_reservation) r.memory->reservation = memory_reservation;
    }
    if (cpu_shares || cpu_quota || cpu_period || !cpuset_cpus.empty() || !cpuset_mems.empty()) {
      if (!r.cpu) r.cpu.emplace();
      if (cpu_shares) r.cpu->shares = cpu_shares;
      if (cpu_quota) r.cpu->quota = cpu_quota;
      if (cpu_period) r.cpu->period = cpu_period;
      if (!cpuset_cpus.empty()) r.cpu->cpus = cpuset_cpus;
      if (!cpuset_mems.empty()) r.cpu->mems = cpuset_mems;
    }
    if (pids_limit) r.pids = oci::Pids{*pids_limit};
    if (blkio_weight) {
      if (!r.block_io) r.block_io.emplace();
      r.block_io->weight = blkio_weight;
    }
    ctx.runtime().update(update_id, r);
  });
}

}  // namespace nook::cli
