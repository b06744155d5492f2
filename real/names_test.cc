// The name patterns: what may reach a command line or an Erlang term.
#include "real/names.h"

#include <gtest/gtest.h>

namespace discosim::real {
namespace {

TEST(Names, NodeNamesOfTheCorpusAreSafe) {
  for (const char* name : {"a@h1", "ghost@nohost", "n12@h12", "node_1@host-2.example.org"}) {
    EXPECT_TRUE(IsSafeNodeName(name)) << name;
  }
}

TEST(Names, AnythingAShellOrErlangWouldReadAsMoreIsRefused) {
  for (const char* name :
       {"", "a", "@h1", "a@", "a@@h1", "a@h1@h2", "A@h1", "a@H1", "1a@h1", "a@1h", "a b@h1",
        "a@h1 -eval", "a'@h1", "a\"@h1", "a@h1;rm", "a@h1`x`", "a@h1$(x)", "a@-h1", "a@h1-",
        "a@h1..x", "a@.h1", "a@h1.", "a@h\n1", "a-b@h1", "a@h_1"}) {
    EXPECT_FALSE(IsSafeNodeName(name)) << name;
  }
}

TEST(Names, LengthLimits) {
  EXPECT_TRUE(IsSafeNamePart(std::string(64, 'a')));
  EXPECT_FALSE(IsSafeNamePart(std::string(65, 'a')));
  EXPECT_TRUE(IsSafeHost(std::string(63, 'h')));
  EXPECT_FALSE(IsSafeHost(std::string(64, 'h')));
}

TEST(Names, Tables) {
  EXPECT_TRUE(IsSafeTableName("sessions"));
  EXPECT_TRUE(IsSafeTableName("t_2"));
  EXPECT_FALSE(IsSafeTableName("Sessions"));  // a variable in Erlang
  EXPECT_FALSE(IsSafeTableName("t-2"));
  EXPECT_FALSE(IsSafeTableName("t'"));
  EXPECT_FALSE(IsSafeTableName(""));
}

TEST(Names, Split) {
  std::optional<NodeParts> parts = SplitNodeName("a@h1.x");
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->name, "a");
  EXPECT_EQ(parts->host, "h1.x");
  EXPECT_FALSE(SplitNodeName("a@h1 x").has_value());
}

TEST(Names, AddressesStayOnLoopback) {
  EXPECT_EQ(HostAddress(42, 0), "127.42.0.1");
  EXPECT_EQ(HostAddress(42, 249), "127.42.0.250");
  EXPECT_EQ(HostAddress(42, 250), "127.42.1.1");
  for (int i : {0, 1, 249, 250, 1000, 250 * 256 - 1}) EXPECT_TRUE(IsLoopbackAddress(HostAddress(20, i))) << i;
  for (const char* a : {"10.0.0.1", "127.0.0", "127.0.0.256", "127.0.0.1 ", "127.00.0.1",
                        "127.0.0.-1", "127.0.0.1.2", "0x7f.0.0.1"}) {
    EXPECT_FALSE(IsLoopbackAddress(a)) << a;
  }
  EXPECT_EQ(ErlangAddress("127.42.0.1"), "{127,42,0,1}");
}

}  // namespace
}  // namespace discosim::real
