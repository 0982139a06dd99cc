package io.cpt4j.model.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.engine.internal.DjlSupport;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The rotary rows gathered from the per-position tables are exactly the values a table built for
 * the batch itself holds ({@link Rope#tables} of the batch's positions, the first half of the sine
 * negated), in float32 and rounded to float16 by Java's own conversion; also after the tables grow,
 * and after the scope they were first used in is closed.
 */
class RopeTablesTest {

  /** Expected (cos, signed sin) of a batch, {@code positions.length × rd} each, from the host tables. */
  private static float[][] expected(double[] invFreq, int[] positions, boolean half) {
    float[][] t = Rope.tables(invFreq, positions);
    int rd = invFreq.length * 2;
    for (int i = 0; i < t[1].length; i++) {
      if (i % rd < rd / 2) {
        t[1][i] = -t[1][i];
      }
    }
    if (half) {
      for (float[] a : t) {
        for (int i = 0; i < a.length; i++) {
          a[i] = Float.float16ToFloat(Float.floatToFloat16(a[i]));
        }
      }
    }
    return t;
  }

  private static void check(NDManager manager, RopeTables tables, double[] invFreq, int rows, int length,
      int[] positions, boolean half) {
    long[] ids = new long[positions.length];
    int bound = 1;
    for (int i = 0; i < ids.length; i++) {
      ids[i] = positions[i];
      bound = Math.max(bound, positions[i] + 1);
    }
    float[][] want = expected(invFreq, positions, half);
    try (NDScope scope = new NDScope()) {
      NDArray[] got = tables.gather(manager.create(ids), bound, rows, length);
      assertThat(got[0].getShape()).isEqualTo(new Shape(rows, 1, length, invFreq.length * 2));
      assertThat(got[0].getDataType()).isEqualTo(half ? DataType.FLOAT16 : DataType.FLOAT32);
      assertThat(got[0].toType(DataType.FLOAT32, false).toFloatArray()).containsExactly(want[0]);
      assertThat(got[1].toType(DataType.FLOAT32, false).toFloatArray()).containsExactly(want[1]);
    }
  }

  /** Packed rows: positions restart at random document boundaries. */
  private static int[] packedPositions(int rows, int length, long seed) {
    Random r = new Random(seed);
    int[] p = new int[rows * length];
    for (int i = 0; i < p.length; i++) {
      p[i] = i % length == 0 || r.nextInt(9) == 0 ? 0 : p[i - 1] + 1;
    }
    return p;
  }

  @Test
  void gatheredRowsEqualPerBatchTablesAcrossGrowthAndScopes() {
    DjlSupport.offline();
    try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
      checkAll(manager);
    }
  }

  private static void checkAll(NDManager manager) {
    for (ModelConfig c : new ModelConfig[] {TestCheckpoints.tinyLlamaGqa(), TestCheckpoints.tinyNeox()}) {
      double[] invFreq = Rope.inverseFrequencies(c);
      for (boolean half : new boolean[] {false, true}) {
        RopeTables tables = new RopeTables(invFreq, 1.0, manager, half ? DataType.FLOAT16 : DataType.FLOAT32);
        check(manager, tables, invFreq, 2, 3, new int[] {0, 1, 2, 0, 1, 0}, half); // tables of 4 positions
        check(manager, tables, invFreq, 3, 40, packedPositions(3, 40, 1), half); // grown to 64
        int[] straight = new int[300]; // one document: positions 0..299, grown to 512
        for (int i = 0; i < straight.length; i++) {
          straight[i] = i;
        }
        check(manager, tables, invFreq, 1, 300, straight, half);
        check(manager, tables, invFreq, 2, 5, packedPositions(2, 5, 2), half); // the grown tables serve short batches
      }
    }
  }
}
