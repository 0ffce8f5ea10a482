// RAII owners for PETSc objects: move-only, destroy in the destructor (never throw).
#pragma once
#include <petscksp.h>
#include <petscmat.h>
#include <petscsnes.h>
#include <petsctao.h>
#include <petscvec.h>

#include <utility>

namespace hp {

template <typename T, PetscErrorCode (*Destroy)(T*)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(T obj) : obj_(obj) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : obj_(std::exchange(o.obj_, nullptr)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      obj_ = std::exchange(o.obj_, nullptr);
    }
    return *this;
  }
  ~Handle() { reset(); }

  void reset() noexcept {
    if (obj_) (void)Destroy(&obj_);
    obj_ = nullptr;
  }
  T get() const { return obj_; }
  operator T() const { return obj_; }  // NOLINT: pass straight to PETSc calls
  T* out() {                           // for PETSc "create" calls
    reset();
    return &obj_;
  }
  explicit operator bool() const { return obj_ != nullptr; }

 private:
  T obj_ = nullptr;
};

using Vector = Handle<Vec, VecDestroy>;
using Matrix = Handle<Mat, MatDestroy>;
using Krylov = Handle<KSP, KSPDestroy>;
using Nonlinear = Handle<SNES, SNESDestroy>;
using Scatter = Handle<VecScatter, VecScatterDestroy>;
using Optimizer = Handle<Tao, TaoDestroy>;

}  // namespace hp
