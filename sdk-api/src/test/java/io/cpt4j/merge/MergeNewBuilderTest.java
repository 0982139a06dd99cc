package io.cpt4j.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A built merge's newBuilder() gives the same merge, and a modified copy differs only where it was changed. */
class MergeNewBuilderTest {
  private static Checkpoint stub(String dir) {
    return (Checkpoint) Proxy.newProxyInstance(Checkpoint.class.getClassLoader(), new Class<?>[] {Checkpoint.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "directory" -> Path.of(dir);
          case "toString" -> dir;
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  private final Checkpoint base = stub("base");
  private final Checkpoint cpt = stub("cpt");
  private final Checkpoint instruct = stub("instruct");

  @Test
  void aChatVectorCopiesWithItsDerivedFiltersAndTokenizerSource() {
    Merge m = Merge.builder(new MergeMethod.ChatVector(), base).model(instruct).onto(cpt).chatTemplate("{{ x }}")
        .maxShardSize(1 << 20).build();
    assertThat(m.exclude()).isPresent();
    assertThat(m.tokenizerFrom()).contains(instruct);
    assertThat(m.newBuilder().build()).isEqualTo(m);
    Merge replacing = m.newBuilder().overwrite(true).build();
    assertThat(replacing.overwrite()).isTrue();
    assertThat(m.overwrite()).isFalse();
    assertThat(replacing.newBuilder().overwrite(false).build()).isEqualTo(m);
  }

  @Test
  void tiesWithFiltersAndDtypeCopies() {
    Merge m = Merge.builder(new MergeMethod.Ties(0.8, true), base).model(MergeInput.of(cpt, 0.5))
        .model(MergeInput.of(instruct, 0.5)).include(".*mlp.*").exclude(".*bias").dtype(DType.BF16)
        .vocabularyFrom(cpt).tokenizerFrom(cpt).build();
    assertThat(m.newBuilder().build()).isEqualTo(m);
    assertThat(m.newBuilder().model(stub("third")).build().models()).hasSize(3);
    assertThat(m.models()).hasSize(2);
  }
}
