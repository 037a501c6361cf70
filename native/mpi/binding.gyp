{
  "targets": [
    {
      "target_name": "neurite_mpi",
      "sources": ["mpi.cc"],
      "include_dirs": ["<!@(mpicc --showme:incdirs)"],
      "libraries": ["<!@(mpicc --showme:link)"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O2"],
      "defines": ["NAPI_VERSION=8", "OMPI_SKIP_MPICXX=1", "MPICH_SKIP_MPICXX=1"]
    }
  ]
}
