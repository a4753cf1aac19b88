#include "backend/testing/node_tests.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace tracehub::testing {

int run_node_tests(const std::string& dir, const std::string& file,
                   const std::vector<std::pair<std::string, std::string>>& env,
                   std::chrono::seconds limit) {
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(126);
    for (const auto& [name, value] : env)
      setenv(name.c_str(), value.c_str(), 1);
    execlp("node", "node", "--test", "--test-reporter=spec", file.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

program_result run_program(const std::string& dir, const std::vector<std::string>& argv,
                           const std::vector<std::pair<std::string, std::string>>& env,
                           std::chrono::seconds limit) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> args = argv;
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    close(out[0]);
    close(out[1]);
    if (chdir(dir.c_str()) != 0) _exit(126);
    for (const auto& [name, value] : env)
      setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> cargv;
    for (auto& a : args)
      cargv.push_back(a.data());
    cargv.push_back(nullptr);
    execvp(cargv[0], cargv.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also here: whichever runs first, the group exists before a kill
  close(out[1]);
  program_result result;
  auto deadline = std::chrono::steady_clock::now() + limit;
  bool killed = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 && !killed) {
      kill(-pid, SIGKILL);
      killed = true;
    }
    pollfd p{out[0], POLLIN, 0};
    int ready = poll(&p, 1, killed ? 1000 : static_cast<int>(std::min<long>(left.count(), 1000)));
    if (ready < 0) break;
    if (ready == 0) {
      if (killed) break;  // the group is gone; a grandchild may hold the pipe: stop reading
      continue;
    }
    char buf[4096];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;  // end of output: every writer has exited
    result.output.append(buf, static_cast<std::size_t>(n));
    std::fwrite(buf, 1, static_cast<std::size_t>(n), stdout);
    std::fflush(stdout);
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {  // its output ended; it may not have exited
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      killed = true;
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!killed && WIFEXITED(status)) result.status = WEXITSTATUS(status);
  return result;
}

}  // namespace tracehub::testing
