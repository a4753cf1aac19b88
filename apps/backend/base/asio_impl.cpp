// Boost.Asio's and Boost.Beast's non-template code, compiled once here instead of inline in
// every translation unit that includes them (BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION, set on tracehub_base for everything that links it).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
