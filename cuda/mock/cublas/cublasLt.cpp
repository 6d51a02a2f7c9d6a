// cublasLt.cpp: libcublasLt.so.11, empty. The real libcublas.so.11 needs libcublasLt.so.11, so the library locator
// (src/DafL.Native/Loading) looks for cuBLASLt beside cuBLAS and loads it first; the mock cuBLAS needs nothing
// from it, but the locator must find the pair.
