// Overloaded: a set of lambdas as one visitor for std::visit.
//
//   std::visit(Overloaded{[](const Check&) { ... }, [](const auto&) { ... }}, message);
#ifndef DISCOSIM_ENGINE_OVERLOADED_H_
#define DISCOSIM_ENGINE_OVERLOADED_H_

namespace discosim {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace discosim

#endif  // DISCOSIM_ENGINE_OVERLOADED_H_
