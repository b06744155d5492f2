#include "oracle/term.h"

#include <gtest/gtest.h>

namespace discosim::oracle {
namespace {

TEST(Term, PrintsAsOracleTermDoes) {
  // The writing of oracle/erlang/oracle_term.erl: bare atoms when
  // [a-z][A-Za-z0-9_@]*, quoted otherwise; map keys in term order.
  const Term t = Tuple({Atom("log"), Atom("warning"),
                        Map({{Atom("what"), Atom("nodeup")}, {Atom("remote_node"), Atom("b@h2")},
                             {Atom("connected_nodes"), Int(2)}})});
  EXPECT_EQ(Print(t), "{log,warning,#{connected_nodes=>2,remote_node=>b@h2,what=>nodeup}}");
  EXPECT_EQ(Print(Atom("Upper")), "'Upper'");
  EXPECT_EQ(Print(Atom("a-b")), "'a-b'");
  EXPECT_EQ(Print(Atom("it's")), "'it\\'s'");
  EXPECT_EQ(Print(Atom("")), "''");
  EXPECT_EQ(Print(Binary("a\"b\\c\n")), "<<\"a\\\"b\\\\c\\x0A\">>");
  EXPECT_EQ(Print(List({})), "[]");
  EXPECT_EQ(Print(Int(-5)), "-5");
}

TEST(Term, ParsesWhatItPrints) {
  const Term t = List({Tuple({Atom("ok"), List({Atom("a@h1"), Atom("Q'x")})}), Binary(""),
                       Binary("x\x01y"), Map({}), Int(123456789012345), Int(-1)});
  absl::StatusOr<Term> back = Parse(Print(t));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, t);
  absl::StatusOr<Term> spaced = Parse(" { a , [ 1 , 2 ] , #{ b => c } } ");
  ASSERT_TRUE(spaced.ok()) << spaced.status();
  EXPECT_EQ(Print(*spaced), "{a,[1,2],#{b=>c}}");
}

TEST(Term, RefusesBrokenText) {
  EXPECT_FALSE(Parse("{a,").ok());
  EXPECT_FALSE(Parse("{a} b").ok());
  EXPECT_FALSE(Parse("'open").ok());
  EXPECT_FALSE(Parse("#{a=>1,a=>2}").ok());
  EXPECT_FALSE(Parse("Var").ok());
}

TEST(Term, OrdersAsErlang) {
  // number < atom < tuple < map < list < binary; tuples by size first.
  EXPECT_LT(Compare(Int(9), Atom("a")), 0);
  EXPECT_LT(Compare(Atom("z"), Tuple({})), 0);
  EXPECT_LT(Compare(Tuple({Atom("z")}), Tuple({Atom("a"), Atom("a")})), 0);
  EXPECT_LT(Compare(Map({}), List({})), 0);
  EXPECT_LT(Compare(List({Int(1)}), List({Int(1), Int(0)})), 0);
  EXPECT_LT(Compare(List({}), Binary("")), 0);
  EXPECT_EQ(Compare(Atom("a"), Atom("a")), 0);
  EXPECT_GT(Compare(Atom("b@h2"), Atom("a@h1")), 0);
}

TEST(Term, FromTextReadsTermsAndKeepsTheRestAsBinaries) {
  EXPECT_EQ(FromText("already_joined"), Atom("already_joined"));
  EXPECT_EQ(FromText("{badrpc,nodedown}"), Tuple({Atom("badrpc"), Atom("nodedown")}));
  EXPECT_EQ(FromText("not a term"), Binary("not a term"));
}

TEST(Term, MapGetFindsAtomKeys) {
  const Term m = Map({{Atom("a"), Int(1)}, {Atom("b"), Int(2)}});
  ASSERT_NE(MapGet(m, "b"), nullptr);
  EXPECT_EQ(*MapGet(m, "b"), Int(2));
  EXPECT_EQ(MapGet(m, "c"), nullptr);
  EXPECT_EQ(MapGet(Int(1), "a"), nullptr);
}

}  // namespace
}  // namespace discosim::oracle
