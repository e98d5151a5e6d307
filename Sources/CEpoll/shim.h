// Linux readiness APIs that the Glibc module does not export, for PQ's socket reactor.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <poll.h>
