{
  "targets": [
    {
      "target_name": "neurite_native",
      "sources": [
        "src/addon.cc",
        "src/threadpool.cc",
        "src/gemm.cc",
        "src/conv.cc",
        "src/pooling.cc",
        "src/elementwise.cc",
        "src/reduce.cc",
        "src/norm.cc",
        "src/random.cc",
        "src/optimizers.cc",
        "src/rnn.cc",
        "src/dnnl_conv.cc",
        "src/peak.cc",
        "src/conv_direct.cc"
      ],
      "conditions": [
        ["<!(test -f /usr/include/dnnl.hpp && echo 1 || echo 0)==1", {
          "defines": ["NEURITE_HAVE_DNNL"],
          "libraries": ["-ldnnl"]
        }]
      ],
      "include_dirs": ["../build/gen", "../kernels/include", "/usr/include/x86_64-linux-gnu/openblas-pthread", "/usr/include/openblas"],
      "libraries": ["-lopenblas", "-lpthread"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math"],
      "cflags": ["-O3", "-march=native"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
