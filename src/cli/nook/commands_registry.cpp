// nook push / login / logout: podman's flags, messages and exit codes.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli.hpp"
#include "image/auth_config.hpp"
#include "image/client_setup.hpp"
#include "image/credential_store.hpp"
#include "image/login.hpp"
#include "image/push.hpp"
#include "image/registries_conf.hpp"
#include "sys/file.hpp"

namespace nook::cli {
namespace {

std::string short_digest(const std::string& digest) {
  return digest.substr(digest.find(':') + 1, 12);
}

// podman refuses an --authfile that does not exist for everything but
// login (which creates it): a typo must not silently mean "anonymous".
void check_authfile(const std::string& authfile) {
  if (!authfile.empty() && !path_exists(authfile))
    throw Error("checking authfile: stat " + authfile + ": no such file or directory");
}

image::RegistriesConf load_conf() {
  image::RegistriesConf conf = image::load_registries_conf();
  for (const std::string& w : conf.warnings) print_warning(w);
  return conf;
}

// ---- push -----------------------------------------------------------------

struct PushFlags {
  std::string image, destination;
  bool quiet = false;
  bool tls_verify = true;
  std::string authfile, creds, cert_dir, digestfile, format;
};

image::PushObserver push_observer(bool quiet) {
  image::PushObserver o;
  if (quiet) return o;
  auto line = [](const std::string& text) {
    std::fprintf(stderr, "%s\n", text.c_str());
    std::fflush(stderr);
  };
  auto state = [](image::BlobPushOutcome outcome) {
    return outcome == image::BlobPushOutcome::uploaded ? "done" : "skipped: already exists";
  };
  o.started = [line] { line("Getting image source signatures"); };
  o.layer_done = [line, state](const image::Descriptor& d, image::BlobPushOutcome outcome) {
    line("Copying blob " + short_digest(d.digest) + " " + state(outcome));
  };
  o.config_done = [line, state](const image::Descriptor& d, image::BlobPushOutcome outcome) {
    line("Copying config " + short_digest(d.digest) + " " + state(outcome));
  };
  o.writing_manifest = [line] { line("Writing manifest to image destination"); };
  return o;
}

void run_push(Context& ctx, const PushFlags& f) {
  image::PushOptions options;
  options.format = image::parse_manifest_format(f.format);
  options.credentials = image::parse_creds_flag(f.creds);
  check_authfile(f.authfile);
  options.authfile = f.authfile;
  options.client.tls_verify = f.tls_verify;
  options.client.cert_dir = f.cert_dir;
  image::RegistriesConf conf = load_conf();
  image::Store& store = ctx.store();

  image::Reference destination = f.destination.empty()
                                     ? image::default_push_destination(store, f.image)
                                     : image::parse_push_destination(f.destination);
  image::PushResult r =
      image::push_image(store, f.image, destination, conf, options, push_observer(f.quiet));
  if (!f.digestfile.empty()) write_file(f.digestfile, r.manifest_digest);
}

// ---- login ----------------------------------------------------------------

struct LoginFlags {
  std::string registry;
  std::string username, password;
  bool password_stdin = false;
  std::string authfile, cert_dir;
  bool tls_verify = true;
  bool get_login = false;
  bool verbose = false;
};

// Echo off on the terminal while a password is typed; restored on every
// way out of the scope.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) < 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    active_ = ::tcsetattr(fd_, TCSANOW, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

bool stdin_is_terminal() {
  return ::isatty(STDIN_FILENO) == 1;
}

std::string prompt_line(const std::string& prompt, const char* what, bool secret) {
  if (!stdin_is_terminal())
    throw Error(std::string("getting username and password: reading ") + what +
                ": stdin is not a terminal (give --username with --password or "
                "--password-stdin)");
  std::fputs(prompt.c_str(), stdout);
  std::fflush(stdout);
  std::string line;
  bool got;
  {
    std::optional<EchoOff> echo_off;
    if (secret) echo_off.emplace(STDIN_FILENO);
    got = static_cast<bool>(std::getline(std::cin, line));
  }
  if (!got) throw Error(std::string("getting username and password: reading ") + what + ": EOF");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string read_password_stdin() {
  std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (!all.empty() && all.back() == '\n') all.pop_back();
  if (!all.empty() && all.back() == '\r') all.pop_back();
  return all;
}

// The registry login/logout act on: the one given, else the first
// unqualified-search registry, as podman.
std::string login_registry(const std::string& given, const image::RegistriesConf& conf) {
  if (!given.empty()) return given;
  if (conf.unqualified_search_registries && !conf.unqualified_search_registries->empty())
    return conf.unqualified_search_registries->front();
  throw Error("no registries found in registries.conf, a registry must be provided");
}

void run_login(const LoginFlags& f) {
  if (f.password_stdin && !f.password.empty())
    throw Error("Can't specify both --password-stdin and --password");
  if (f.password_stdin && f.username.empty())
    throw Error("Must provide --username with --password-stdin");
  image::RegistriesConf conf = load_conf();
  std::string key = image::auth_key(login_registry(f.registry, conf));
  image::CredentialSources sources = image::credential_sources(conf, f.authfile);

  if (f.get_login) {
    check_authfile(f.authfile);
    auto creds = image::stored_login(key, sources);
    if (!creds || creds->username.empty()) throw Error("not logged into " + key);
    std::printf("%s\n", creds->username.c_str());
    return;
  }

  image::ClientOptions client;
  client.tls_verify = f.tls_verify;
  client.cert_dir = f.cert_dir;

  std::string username = f.username, password = f.password;
  if (f.password_stdin) password = read_password_stdin();

  std::optional<image::Credentials> existing;
  if (username.empty() && password.empty()) {
    existing = image::stored_login(key, sources);
    if (existing && !existing->username.empty()) {
      std::printf("Authenticating with existing credentials for %s\n", key.c_str());
      std::fflush(stdout);
      try {
        image::verify_credentials(key, *existing, client, conf);
        std::printf("Existing credentials are valid. Already logged in to %s\n", key.c_str());
        return;
      } catch (const Error&) {
        std::printf("Existing credentials are invalid, please enter valid username and password\n");
        std::fflush(stdout);
      }
    }
  }
  if (username.empty()) {
    std::string prompt = "Username: ";
    if (existing && !existing->username.empty()) prompt = "Username (" + existing->username + "): ";
    username = prompt_line(prompt, "username", false);
    if (username.empty() && existing) username = existing->username;
  }
  image::check_username(username);
  if (password.empty()) password = prompt_line("Password: ", "password", true);
  if (password.empty()) throw Error("getting username and password: the password is empty");

  image::Credentials creds;
  creds.username = username;
  creds.password = password;
  image::verify_credentials(key, creds, client, conf);
  std::string where = image::save_login(sources, key, username, password);
  // Two spaces: podman's fmt.Fprintln("Used: ", desc).
  if (f.verbose) std::printf("Used:  %s\n", where.c_str());
  std::printf("Login Succeeded!\n");
}

// ---- logout ---------------------------------------------------------------

struct LogoutFlags {
  std::string registry;
  std::string authfile;
  bool all = false;
};

void run_logout(const LogoutFlags& f) {
  check_authfile(f.authfile);
  if (f.all && !f.registry.empty()) throw Error("--all takes no arguments");
  image::RegistriesConf conf = load_conf();
  image::CredentialSources sources = image::credential_sources(conf, f.authfile);
  if (f.all) {
    image::erase_all_logins(sources);
    std::printf("Removed login credentials for all registries\n");
    return;
  }
  std::string key = image::auth_key(login_registry(f.registry, conf));
  if (!image::erase_login(sources, key)) {
    // podman's hint when the login came from another tool's file.
    std::optional<image::Credentials> elsewhere;
    try {
      elsewhere = image::stored_login(key, sources);
    } catch (const Error&) {
    }
    if (elsewhere && !elsewhere->file.empty() && elsewhere->file != sources.write_file)
      throw Error("not logged into " + key + " with nook; the credentials come from " +
                  elsewhere->file + ", written by another tool: log out with it");
    throw Error("not logged into " + key);
  }
  std::printf("Removed login credentials for %s\n", key.c_str());
}

}  // namespace

void add_registry_commands(CLI::App& app, Context& ctx) {
  {
    auto f = std::make_shared<PushFlags>();
    CLI::App* cmd = app.add_subcommand("push", "Push an image to a specified destination");
    cmd->add_option("image", f->image, "Image to push (name or ID)")->required();
    cmd->add_option("destination", f->destination,
                    "Where to push it ([docker://]REGISTRY/REPOSITORY[:TAG]; default: the "
                    "image's name)");
    cmd->add_flag("-q,--quiet", f->quiet, "Suppress output information when pushing images");
    cmd->add_flag("--tls-verify", f->tls_verify,
                  "Require HTTPS and verify certificates when contacting registries");
    cmd->add_option("--authfile", f->authfile, "Path of the authentication file");
    cmd->add_option("--creds", f->creds, "Credentials (USERNAME:PASSWORD) to use");
    cmd->add_option("--cert-dir", f->cert_dir, "Certificates (*.crt, *.cert, *.key) directory");
    cmd->add_option("--digestfile", f->digestfile,
                    "Write the digest of the pushed image to the specified file");
    cmd->add_option("-f,--format", f->format,
                    "Manifest type (oci or v2s2) to use in the destination (default: the "
                    "stored manifest's type)");
    cmd->callback([&ctx, f] { run_push(ctx, *f); });
  }
  {
    auto f = std::make_shared<LoginFlags>();
    CLI::App* cmd = app.add_subcommand("login", "Log in to a container registry");
    cmd->add_option("registry", f->registry, "Registry (HOST[:PORT][/PATH])");
    cmd->add_option("-u,--username", f->username, "Username for registry");
    cmd->add_option("-p,--password", f->password, "Password for registry");
    cmd->add_flag("--password-stdin", f->password_stdin, "Take the password from stdin");
    cmd->add_option("--authfile", f->authfile, "Path of the authentication file");
    cmd->add_option("--cert-dir", f->cert_dir, "Use certificates at the specified path");
    cmd->add_flag("--tls-verify", f->tls_verify,
                  "Require HTTPS and verify certificates when contacting registries");
    cmd->add_flag("--get-login", f->get_login, "Return the current login user for the registry");
    cmd->add_flag("-v,--verbose", f->verbose, "Write more detailed information to stdout");
    cmd->callback([f] { run_login(*f); });
  }
  {
    auto f = std::make_shared<LogoutFlags>();
    CLI::App* cmd = app.add_subcommand("logout", "Log out of a container registry");
    cmd->add_option("registry", f->registry, "Registry (HOST[:PORT][/PATH])");
    cmd->add_option("--authfile", f->authfile, "Path of the authentication file");
    cmd->add_flag("-a,--all", f->all,
                  "Remove the cached credentials for all registries in the auth file");
    cmd->callback([f] { run_logout(*f); });
  }
}

}  // namespace nook::cli
