package io.cpt4j.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new temporary for a target first removes the temporaries of that target that a dead process of
 * this PID space left, and nothing else: not a live process's (this one's), not another PID space's
 * (host, container, boot), not another target's, not names of another form, and not an {@code old}
 * directory while the target is missing or empty (then it may be the only complete copy).
 */
class StaleSiblingsTest {
  @TempDir Path tmp;

  private static long deadPid() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
  }

  private Path dir(String name) throws IOException {
    Path d = Files.createDirectories(tmp.resolve(name));
    Files.writeString(d.resolve("model.safetensors"), "partial bytes");
    return d;
  }

  private Stream<String> names() throws IOException {
    return Files.list(tmp).map(p -> p.getFileName().toString()).sorted();
  }

  @Test
  void onlyDeadProcessesTemporariesOfTheSameTargetAreRemoved() throws Exception {
    String host = StaleSiblings.OWNER.substring(0, StaleSiblings.OWNER.indexOf('-'));
    String otherHost = host.equals("00000000") ? "00000001" : "00000000";
    long dead = deadPid();
    long self = ProcessHandle.current().pid();
    dir(".out.partial-" + host + "-" + dead + "-3f2a9c"); // killed merge: removed
    Files.writeString(tmp.resolve(".out.tmp-" + host + "-" + dead + "-aa"), "x"); // killed file write: removed
    dir(".out.staging-" + host + "-" + dead + "-bb"); // killed checkpoint: removed
    dir(".out.old-" + host + "-" + dead + "-cc"); // swapped-out old copy, target absent: kept
    dir(".out.partial-" + host + "-" + self + "-dd"); // a live write (this process): kept
    dir(".out.partial-" + otherHost + "-" + dead + "-ee"); // another PID space (shared disk, container): kept
    dir(".out.partial-3f2a9c"); // the former naming, no owner: kept
    dir(".out2.partial-" + host + "-" + dead + "-ff"); // another target: kept
    dir(".output.partial-" + host + "-" + dead + "-ab"); // another target sharing a prefix: kept

    Path fresh = AtomicFiles.temporarySibling(tmp.resolve("out"), "partial");

    assertThat(fresh.getFileName().toString()).startsWith(".out.partial-" + StaleSiblings.OWNER + "-");
    assertThat(names()).containsExactlyInAnyOrder(
        ".out.old-" + host + "-" + dead + "-cc",
        ".out.partial-" + otherHost + "-" + dead + "-ee",
        ".out.partial-" + host + "-" + self + "-dd",
        ".out.partial-3f2a9c",
        ".out2.partial-" + host + "-" + dead + "-ff",
        ".output.partial-" + host + "-" + dead + "-ab");

    Files.createDirectories(tmp.resolve("out")); // an empty target may be a failed rerun: the old copy stays
    assertThat(StaleSiblings.sweep(tmp.resolve("out"))).isZero();
    Files.writeString(tmp.resolve("out/config.json"), "{}"); // the target is complete now: the old copy is garbage
    assertThat(StaleSiblings.sweep(tmp.resolve("out"))).isEqualTo(1);
    assertThat(names()).doesNotContain(".out.old-" + host + "-" + dead + "-cc").contains("out");
  }

  @Test
  void aMissingDirectoryIsNoError() {
    assertThat(StaleSiblings.sweep(tmp.resolve("missing/out"))).isZero();
  }
}
