// The single Catch2 main for the whole suite; test files hold only TEST_CASEs.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
