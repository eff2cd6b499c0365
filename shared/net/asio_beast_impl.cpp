// shared/net/asio_beast_impl.cpp
//
// The one translation unit that compiles Asio, Asio SSL and Beast (separate compilation:
// BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION are set on rapport_net
// only, so every other net .cpp sees declarations and links against the code built here).

#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
