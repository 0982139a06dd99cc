package io.cpt4j.files;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and removes the temporaries of a write that was killed: hidden siblings of a target named
 * by {@link AtomicFiles#temporarySibling} ({@code .NAME.KIND-HOST-PID-RANDOM}) whose process, in
 * this process's PID space, no longer runs. HOST tags the PID space: a hash of the boot id and the
 * PID namespace (of the host name where there is no {@code /proc}), so a process in another
 * container (even one with the same host name), on another host (a shared file system) or before a
 * reboot never looks dead. Temporaries of
 * a live process (this one included), of another PID space and names of another form are never
 * touched. An {@code old} sibling (a directory renamed aside before its replacement was moved in)
 * is removed only when the target exists and is not an empty directory: otherwise it may be the
 * only complete copy.
 *
 * <p>Best effort: what cannot be listed or deleted is left and logged at debug level.
 */
final class StaleSiblings {
  private static final Logger LOG = LoggerFactory.getLogger(StaleSiblings.class);

  /** This PID space's tag (8 hex digits) and this process's id: {@code 1a2b3c4d-4711}. */
  static final String OWNER = hostTag() + "-" + ProcessHandle.current().pid();

  private static final Pattern NAME = Pattern.compile("\\.(tmp|partial|staging|old)-([0-9a-f]{8})-(\\d+)-[0-9a-f]+");

  private StaleSiblings() {}

  /**
   * On Linux the boot id and the PID namespace, which together name this PID space (read from
   * {@code /proc}, no name lookup); elsewhere the host name, whose process ids are the host's own.
   */
  private static String hostTag() {
    String space;
    try {
      space = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip() + "|"
          + Files.readSymbolicLink(Path.of("/proc/self/ns/pid"));
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      try {
        space = InetAddress.getLocalHost().getHostName();
      } catch (IOException e2) {
        space = System.getenv().getOrDefault("HOSTNAME", "localhost");
      }
    }
    return HexFormat.of().toHexDigits(space.hashCode());
  }

  /** Removes the stale temporaries of {@code target} (an absolute path); returns how many. */
  static int sweep(Path target) {
    Path dir = target.getParent();
    String prefix = "." + target.getFileName();
    String host = OWNER.substring(0, OWNER.indexOf('-'));
    int removed = 0;
    try (DirectoryStream<Path> siblings =
        Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(prefix))) {
      for (Path p : siblings) {
        Matcher m = NAME.matcher(p.getFileName().toString().substring(prefix.length()));
        if (!m.matches() || !m.group(2).equals(host) || alive(Long.parseLong(m.group(3)))
            || (m.group(1).equals("old") && !complete(target))) {
          continue;
        }
        try {
          AtomicFiles.deleteTree(p);
          removed++;
          LOG.info("removed {}, left by process {} that ended during a write", p, m.group(3));
        } catch (IOException e) {
          LOG.debug("cannot remove stale {}", p, e);
        }
      }
    } catch (IOException | NumberFormatException e) {
      LOG.debug("cannot look for stale temporaries of {}", target, e);
    }
    return removed;
  }

  /** Whether {@code target} exists and is not an empty directory. */
  private static boolean complete(Path target) throws IOException {
    if (!Files.isDirectory(target)) {
      return Files.exists(target);
    }
    try (var entries = Files.list(target)) {
      return entries.findAny().isPresent();
    }
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
