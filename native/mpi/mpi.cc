// nt.distributed's binding to MPI (src/distributed/): init, rank, size, localRank,
// allreduce (sum, float32, in place), broadcast, allgather, barrier, abort. Each call is
// synchronous on the JavaScript thread; buffers are typed arrays used in place.
//
// Open MPI loads its components with dlopen and they resolve MPI symbols globally, so
// libmpi must be in the global namespace before MPI_Init: Node loads addons with
// RTLD_LOCAL, so init() promotes the already-loaded libmpi with RTLD_NOLOAD | RTLD_GLOBAL
// (the JavaScript side also loads this addon with RTLD_GLOBAL).
#include <dlfcn.h>
#include <mpi.h>
#include <node_api.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

struct Error {
  std::string message;
};

napi_value fail(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, message.c_str());
  return nullptr;
}

std::string mpi_error(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, static_cast<size_t>(length));
}

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw Error{std::string(what) + ": " + mpi_error(code)};
}

bool initialized() {
  int flag = 0, finalized = 0;
  MPI_Initialized(&flag);
  MPI_Finalized(&finalized);
  return flag && !finalized;
}

struct Args {
  napi_env env;
  size_t argc = 8;
  napi_value argv[8];
  Args(napi_env e, napi_callback_info info, size_t need) : env(e) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    if (argc < need) throw Error{"expected " + std::to_string(need) + " arguments"};
  }
  void* typed(size_t i, size_t* bytes, napi_typedarray_type* type) {
    bool is = false;
    napi_is_typedarray(env, argv[i], &is);
    if (!is) throw Error{"argument " + std::to_string(i) + " must be a typed array"};
    size_t length = 0, offset = 0;
    void* data = nullptr;
    napi_value buffer;
    napi_get_typedarray_info(env, argv[i], type, &length, &data, &buffer, &offset);
    size_t unit = (*type == napi_float64_array) ? 8 : (*type == napi_uint8_array || *type == napi_int8_array || *type == napi_uint8_clamped_array) ? 1 : (*type == napi_int16_array || *type == napi_uint16_array) ? 2 : 4;
    *bytes = length * unit;
    return data;
  }
  int64_t integer(size_t i) {
    int64_t v = 0;
    if (napi_get_value_int64(env, argv[i], &v) != napi_ok) throw Error{"argument " + std::to_string(i) + " must be a number"};
    return v;
  }
};

template <typename F>
napi_value guarded(napi_env env, F&& body) {
  try {
    return body();
  } catch (const Error& e) {
    return fail(env, e.message);
  }
}

napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

napi_value undefined(napi_env env) {
  napi_value out;
  napi_get_undefined(env, &out);
  return out;
}

void need_init() {
  if (!initialized()) throw Error{"MPI is not initialized: call nt.distributed.init() first"};
}

napi_value Init(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    if (initialized()) return undefined(env);
    // Open MPI's plugins resolve MPI symbols globally (see the top of the file).
    for (const char* lib : {"libmpi.so.40", "libmpi.so.12", "libmpi.so"}) {
      if (dlopen(lib, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) != nullptr) break;
    }
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    // Errors come back as codes (thrown as JavaScript errors) instead of aborting the job.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    return undefined(env);
  });
}

napi_value Finalize(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    if (initialized()) check(MPI_Finalize(), "MPI_Finalize");
    return undefined(env);
  });
}

napi_value Rank(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    need_init();
    int r = 0;
    check(MPI_Comm_rank(MPI_COMM_WORLD, &r), "MPI_Comm_rank");
    return number(env, r);
  });
}

napi_value Size(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    need_init();
    int s = 0;
    check(MPI_Comm_size(MPI_COMM_WORLD, &s), "MPI_Comm_size");
    return number(env, s);
  });
}

// The rank among the processes of this machine (a communicator of the shared-memory node).
napi_value LocalRank(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    need_init();
    static MPI_Comm local = MPI_COMM_NULL;
    if (local == MPI_COMM_NULL) check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local), "MPI_Comm_split_type");
    int r = 0;
    check(MPI_Comm_rank(local, &r), "MPI_Comm_rank");
    return number(env, r);
  });
}

// Sum of a Float32Array across ranks, in place.
napi_value AllreduceSum(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    need_init();
    Args a(env, info, 1);
    size_t bytes = 0;
    napi_typedarray_type type;
    void* data = a.typed(0, &bytes, &type);
    if (type != napi_float32_array) throw Error{"allreduce takes a Float32Array"};
    check(MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(bytes / 4), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
    return undefined(env);
  });
}

// The root's bytes of any typed array to every rank, in place.
napi_value Broadcast(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    need_init();
    Args a(env, info, 2);
    size_t bytes = 0;
    napi_typedarray_type type;
    void* data = a.typed(0, &bytes, &type);
    check(MPI_Bcast(data, static_cast<int>(bytes), MPI_BYTE, static_cast<int>(a.integer(1)), MPI_COMM_WORLD), "MPI_Bcast");
    return undefined(env);
  });
}

// Every rank's send bytes, in rank order, into recv (size · send bytes).
napi_value Allgather(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    need_init();
    Args a(env, info, 2);
    size_t sendBytes = 0, recvBytes = 0;
    napi_typedarray_type t1, t2;
    void* send = a.typed(0, &sendBytes, &t1);
    void* recv = a.typed(1, &recvBytes, &t2);
    int size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (recvBytes != sendBytes * static_cast<size_t>(size)) throw Error{"allgather: the receive buffer must hold size × the send buffer"};
    check(MPI_Allgather(send, static_cast<int>(sendBytes), MPI_BYTE, recv, static_cast<int>(sendBytes), MPI_BYTE, MPI_COMM_WORLD), "MPI_Allgather");
    return undefined(env);
  });
}

napi_value Barrier(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    need_init();
    check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
    return undefined(env);
  });
}

napi_value Abort(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 1);
    if (initialized()) MPI_Abort(MPI_COMM_WORLD, static_cast<int>(a.integer(0)));
    std::exit(static_cast<int>(a.integer(0)));
    return undefined(env);
  });
}

napi_value Wtime(napi_env env, napi_callback_info) {
  return number(env, MPI_Wtime());
}

napi_value Version(napi_env env, napi_callback_info) {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);
  napi_value out;
  napi_create_string_utf8(env, text, static_cast<size_t>(length), &out);
  return out;
}

napi_value Setup(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"init", nullptr, Init, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"finalize", nullptr, Finalize, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rank", nullptr, Rank, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"size", nullptr, Size, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"localRank", nullptr, LocalRank, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"allreduceSum", nullptr, AllreduceSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"broadcast", nullptr, Broadcast, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"allgather", nullptr, Allgather, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"barrier", nullptr, Barrier, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"abort", nullptr, Abort, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"wtime", nullptr, Wtime, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Setup)
