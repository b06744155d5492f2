// Erlang terms and their canonical text: see term.h.
#include "oracle/term.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace discosim::oracle {
namespace {

bool IsBareChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '@';
}

bool IsBare(std::string_view name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), IsBareChar);
}

void Quoted(std::string_view bytes, char quote, std::string& out) {
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\' || c == quote) {
      out += '\\';
      out += c;
    } else if (byte >= 32 && byte <= 126) {
      out += c;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", byte);
      out += hex;
    }
  }
}

void PrintTo(const Term& t, std::string& out) {
  auto items = [&](size_t step, const char* sep) {
    for (size_t i = 0; i < t.items.size(); i += step) {
      if (i > 0) out += ',';
      PrintTo(t.items[i], out);
      if (step == 2) {
        out += sep;
        PrintTo(t.items[i + 1], out);
      }
    }
  };
  switch (t.kind) {
    case Term::Kind::kInt:
      out += std::to_string(t.value);
      return;
    case Term::Kind::kAtom:
      if (IsBare(t.text)) {
        out += t.text;
      } else {
        out += '\'';
        Quoted(t.text, '\'', out);
        out += '\'';
      }
      return;
    case Term::Kind::kBinary:
      out += "<<\"";
      Quoted(t.text, '"', out);
      out += "\">>";
      return;
    case Term::Kind::kList:
      out += '[';
      items(1, "");
      out += ']';
      return;
    case Term::Kind::kTuple:
      out += '{';
      items(1, "");
      out += '}';
      return;
    case Term::Kind::kMap:
      out += "#{";
      items(2, "=>");
      out += '}';
      return;
  }
}

// A recursive-descent reader of what PrintTo writes.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  absl::StatusOr<Term> ReadAll() {
    absl::StatusOr<Term> term = Read(0);
    if (!term.ok()) return term;
    SkipSpace();
    if (pos_ != text_.size()) return Error("text after the term");
    return term;
  }

 private:
  static constexpr int kDepthMax = 200;

  absl::StatusOr<Term> Read(int depth) {
    if (depth > kDepthMax) return Error("nested too deep");
    SkipSpace();
    if (pos_ >= text_.size()) return Error("unexpected end");
    const char c = text_[pos_];
    if (c == '{') return Items(Term::Kind::kTuple, '}', depth);
    if (c == '[') return Items(Term::Kind::kList, ']', depth);
    if (c == '#') return ReadMap(depth);
    if (c == '\'') return ReadQuoted('\'', Term::Kind::kAtom);
    if (c == '<') return ReadBinary();
    if (c == '-' || (c >= '0' && c <= '9')) return ReadInt();
    if (c >= 'a' && c <= 'z') return ReadBare();
    return Error(absl::StrCat("unexpected '", std::string(1, c), "'"));
  }

  absl::StatusOr<Term> Items(Term::Kind kind, char close, int depth) {
    ++pos_;
    Term t;
    t.kind = kind;
    if (Peek(close)) return t;
    while (true) {
      absl::StatusOr<Term> item = Read(depth + 1);
      if (!item.ok()) return item;
      t.items.push_back(*std::move(item));
      if (Peek(close)) return t;
      if (!Expect(",")) return Error(absl::StrCat("expected ',' or '", std::string(1, close), "'"));
    }
  }

  absl::StatusOr<Term> ReadMap(int depth) {
    if (!Expect("#{")) return Error("expected '#{'");
    std::vector<std::pair<Term, Term>> entries;
    if (Peek('}')) return Map(std::move(entries));
    while (true) {
      absl::StatusOr<Term> key = Read(depth + 1);
      if (!key.ok()) return key;
      if (!Expect("=>")) return Error("expected '=>'");
      absl::StatusOr<Term> value = Read(depth + 1);
      if (!value.ok()) return value;
      entries.emplace_back(*std::move(key), *std::move(value));
      if (Peek('}')) break;
      if (!Expect(",")) return Error("expected ',' or '}'");
    }
    for (size_t i = 0; i < entries.size(); ++i) {
      for (size_t j = i + 1; j < entries.size(); ++j) {
        if (entries[i].first == entries[j].first) return Error("a map key written twice");
      }
    }
    return Map(std::move(entries));
  }

  absl::StatusOr<Term> ReadBinary() {
    if (!Expect("<<")) return Error("expected '<<'");
    SkipSpace();
    if (Peek('>')) {  // <<>>
      if (!Expect(">")) return Error("expected '>>'");
      return Binary("");
    }
    absl::StatusOr<Term> bytes = ReadQuoted('"', Term::Kind::kBinary);
    if (!bytes.ok()) return bytes;
    if (!Expect(">>")) return Error("expected '>>'");
    return bytes;
  }

  absl::StatusOr<Term> ReadQuoted(char quote, Term::Kind kind) {
    ++pos_;
    Term t;
    t.kind = kind;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_++];
      if (c == '\\') {
        if (pos_ >= text_.size()) return Error("unfinished escape");
        c = text_[pos_++];
        if (c == 'x') {
          if (pos_ + 2 > text_.size()) return Error("unfinished \\x escape");
          const std::string hex(text_.substr(pos_, 2));
          pos_ += 2;
          c = static_cast<char>(std::stoi(hex, nullptr, 16));
        }
      }
      t.text += c;
    }
    if (pos_ >= text_.size()) return Error("unfinished quote");
    ++pos_;
    return t;
  }

  absl::StatusOr<Term> ReadInt() {
    const size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    const std::string digits(text_.substr(start, pos_ - start));
    if (digits == "-" || digits.size() > 19) return Error("bad integer");
    return Int(std::stoll(digits));
  }

  absl::StatusOr<Term> ReadBare() {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsBareChar(text_[pos_])) ++pos_;
    return Atom(std::string(text_.substr(start, pos_ - start)));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\t' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  // Consumes `close` if it comes next.
  bool Peek(char close) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == close) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Expect(std::string_view token) {
    SkipSpace();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("term text at byte ", pos_, ": ", std::string(what)));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Term Int(int64_t value) {
  Term t;
  t.kind = Term::Kind::kInt;
  t.value = value;
  return t;
}

Term Atom(std::string name) {
  Term t;
  t.kind = Term::Kind::kAtom;
  t.text = std::move(name);
  return t;
}

Term Bool(bool value) { return Atom(value ? "true" : "false"); }

Term Binary(std::string bytes) {
  Term t;
  t.kind = Term::Kind::kBinary;
  t.text = std::move(bytes);
  return t;
}

Term List(std::vector<Term> items) {
  Term t;
  t.kind = Term::Kind::kList;
  t.items = std::move(items);
  return t;
}

Term Tuple(std::vector<Term> items) {
  Term t;
  t.kind = Term::Kind::kTuple;
  t.items = std::move(items);
  return t;
}

Term Map(std::vector<std::pair<Term, Term>> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return Compare(a.first, b.first) < 0; });
  Term t;
  t.kind = Term::Kind::kMap;
  for (auto& [key, value] : entries) {
    t.items.push_back(std::move(key));
    t.items.push_back(std::move(value));
  }
  return t;
}

int Compare(const Term& a, const Term& b) {
  if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
  switch (a.kind) {
    case Term::Kind::kInt:
      return a.value < b.value ? -1 : (a.value > b.value ? 1 : 0);
    case Term::Kind::kAtom:
    case Term::Kind::kBinary:
      return a.text.compare(b.text) < 0 ? -1 : (a.text == b.text ? 0 : 1);
    case Term::Kind::kTuple:
    case Term::Kind::kMap:
      // Tuples and maps compare by size first.
      if (a.items.size() != b.items.size()) return a.items.size() < b.items.size() ? -1 : 1;
      break;
    case Term::Kind::kList:
      break;
  }
  const size_t common = std::min(a.items.size(), b.items.size());
  for (size_t i = 0; i < common; ++i) {
    if (const int c = Compare(a.items[i], b.items[i]); c != 0) return c;
  }
  if (a.items.size() == b.items.size()) return 0;
  return a.items.size() < b.items.size() ? -1 : 1;
}

std::string Print(const Term& term) {
  std::string out;
  PrintTo(term, out);
  return out;
}

absl::StatusOr<Term> Parse(std::string_view text) { return Reader(text).ReadAll(); }

Term FromText(std::string_view text) {
  absl::StatusOr<Term> term = Parse(text);
  return term.ok() ? *std::move(term) : Binary(std::string(text));
}

const Term* MapGet(const Term& map, std::string_view key) {
  if (map.kind != Term::Kind::kMap) return nullptr;
  for (size_t i = 0; i + 1 < map.items.size(); i += 2) {
    const Term& k = map.items[i];
    if (k.kind == Term::Kind::kAtom && k.text == key) return &map.items[i + 1];
  }
  return nullptr;
}

}  // namespace discosim::oracle
