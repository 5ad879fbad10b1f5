// Compressed datasets are written as ready-made chunks (sim/hdf5_io.cpp): HDF5 must read back
// exactly what was written, through its own shuffle and deflate filters, for compressible and
// incompressible chunks, a partial edge chunk and any task-arena width.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <bit>
#include <cstring>
#include <random>

#include "sim/io/hdf5_util.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

std::vector<double> read_all(const std::string& path, const std::string& name) {
  H5::H5File file(path, H5F_ACC_RDONLY);
  H5::DataSet ds = file.openDataSet(name);
  std::vector<double> values(static_cast<std::size_t>(ds.getSpace().getSimpleExtentNpoints()));
  ds.read(values.data(), H5::PredType::NATIVE_DOUBLE);
  return values;
}

TEST(Hdf5Util, CompressedChunksReadBackExactly) {
  test::TempDir dir;
  const std::string path = (dir / "chunks.h5").string();
  // 47 rows of 20,000 values (160 kB): 6 rows per 1 MiB chunk, 8 chunks (two batches on one
  // thread), the last one partial.
  const hsize_t rows = 47, columns = 20000;
  std::vector<double> values(rows * columns);
  std::mt19937_64 engine(7);
  for (hsize_t r = 0; r < rows; ++r) {
    for (hsize_t c = 0; c < columns; ++c) {
      // Rows 0-5 are random bit patterns (deflate cannot shrink them), the rest repetitive.
      values[r * columns + c] =
          r < 6 ? std::bit_cast<double>(engine()) : static_cast<double>((r * 3 + c) % 17);
    }
  }
  const auto same_bits = [](const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
  };
  for (int threads : {1, 3}) {
    tbb::task_arena(threads).execute([&] {
      H5::H5File file(path, H5F_ACC_TRUNC);
      H5::Group root = file.openGroup("/");
      write_doubles(root, "packed", {rows, columns}, values.data(), "row,column",
                    Storage::compressed);
      write_doubles(root, "plain", {rows, columns}, values.data(), "row,column");
    });
    EXPECT_TRUE(same_bits(read_all(path, "/packed"), values)) << threads << " threads";
    EXPECT_TRUE(same_bits(read_all(path, "/plain"), values));

    H5::H5File file(path, H5F_ACC_RDONLY);
    H5::DataSet packed = file.openDataSet("/packed");
    EXPECT_EQ(packed.getCreatePlist().getNfilters(), 2);
    H5::DataSpace space = packed.getSpace();
    hsize_t chunks = 0;
    ASSERT_GE(H5Dget_num_chunks(packed.getId(), space.getId(), &chunks), 0);
    EXPECT_EQ(chunks, 8u);
    hsize_t offset[2];
    unsigned mask = 0;
    haddr_t address = 0;
    hsize_t size = 0;
    ASSERT_GE(H5Dget_chunk_info(packed.getId(), space.getId(), 0, offset, &mask, &address, &size),
              0);
    EXPECT_EQ(mask, 2u) << "random chunk stored without deflate";
    ASSERT_GE(H5Dget_chunk_info(packed.getId(), space.getId(), 7, offset, &mask, &address, &size),
              0);
    EXPECT_EQ(mask, 0u);
    EXPECT_EQ(offset[0], 42u);
    EXPECT_LT(size, 6 * columns * sizeof(double) / 10) << "repetitive chunk compressed";
  }
}

TEST(Hdf5Util, CompressedVectorsAndEmptyArrays) {
  test::TempDir dir;
  const std::string path = (dir / "vectors.h5").string();
  std::vector<double> series(300000);
  for (std::size_t i = 0; i < series.size(); ++i) series[i] = static_cast<double>(i % 1000) * 0.5;
  {
    H5::H5File file(path, H5F_ACC_TRUNC);
    H5::Group root = file.openGroup("/");
    write_doubles(root, "series", {series.size()}, series.data(), "trial", Storage::compressed);
    write_doubles(root, "empty", {0, 7}, nullptr, "trial,cell", Storage::compressed);
  }
  EXPECT_EQ(read_all(path, "/series"), series);
  EXPECT_TRUE(read_all(path, "/empty").empty());
}

}  // namespace
}  // namespace opsim
