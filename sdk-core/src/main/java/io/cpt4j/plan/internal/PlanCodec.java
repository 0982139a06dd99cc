package io.cpt4j.plan.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.plan.MixtureFit;
import io.cpt4j.plan.MixtureLaw;
import io.cpt4j.plan.MixturePlan;
import io.cpt4j.plan.PlanException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link MixturePlan} as JSON: {@code {"format": "cpt4j-mixture-plan", "version": 1, "law": "...",
 * "fits": [{"set", "general", "e", "a", "alpha", "b", "eta", "beta", "c", "gamma", "epsilon",
 * "observations", "r2", "rmse", "max_relative_error", "residuals"}]}}. Stateless.
 */
final class PlanCodec {
  private PlanCodec() {}

  static final String FORMAT = "cpt4j-mixture-plan";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] PARAMS = {"e", "a", "alpha", "b", "eta", "beta", "c", "gamma", "epsilon"};

  static String toJson(MixturePlan plan) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT).put("version", 1);
    root.put("law", "L(N, D, r) = e + a / N^alpha + b * r^eta / D^beta + c / (r + epsilon)^gamma; r = the set's "
        + "share (domain share for a domain set, 1 - domain share for a general set)");
    ArrayNode fits = root.putArray("fits");
    for (MixtureFit f : plan.fits()) {
      MixtureLaw l = f.law();
      ObjectNode o = fits.addObject();
      o.put("set", l.set()).put("general", l.general());
      double[] v = {l.e(), l.a(), l.alpha(), l.b(), l.eta(), l.beta(), l.c(), l.gamma(), l.epsilon()};
      for (int i = 0; i < PARAMS.length; i++) {
        o.put(PARAMS[i], v[i]);
      }
      o.put("observations", f.observations()).put("r2", f.r2()).put("rmse", f.rmse())
          .put("max_relative_error", f.maxRelativeError());
      f.residuals().forEach(o.putArray("residuals")::add);
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static void write(MixturePlan plan, Path file) {
    try {
      AtomicFiles.write(file, toJson(plan).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new PlanException(file + ": cannot write the plan (" + e.getMessage() + ")", e);
    }
  }

  static MixturePlan read(Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new PlanException(file + ": no such plan file (write one with cpt4j plan fit)");
    } catch (IOException e) {
      throw new PlanException(file + ": not a plan file (" + e.getMessage() + ")", e);
    }
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new PlanException(file + ": not a plan file (its \"format\" is not \"" + FORMAT + "\"; write one with "
          + "cpt4j plan fit)");
    }
    List<MixtureFit> fits = new ArrayList<>();
    int i = 0;
    for (JsonNode o : root.path("fits")) {
      String at = file + ": fits[" + i++ + "]";
      double[] v = new double[PARAMS.length];
      for (int k = 0; k < PARAMS.length; k++) {
        if (!o.path(PARAMS[k]).isNumber()) {
          throw new PlanException(at + "." + PARAMS[k] + " must be a number");
        }
        v[k] = o.get(PARAMS[k]).asDouble();
      }
      List<Double> residuals = new ArrayList<>();
      o.path("residuals").forEach(r -> residuals.add(r.asDouble()));
      try {
        fits.add(new MixtureFit(new MixtureLaw(o.path("set").asText(), o.path("general").asBoolean(), v[0], v[1],
            v[2], v[3], v[4], v[5], v[6], v[7], v[8]), o.path("observations").asInt(), o.path("r2").asDouble(),
            o.path("rmse").asDouble(), o.path("max_relative_error").asDouble(), residuals));
      } catch (IllegalArgumentException e) {
        throw new PlanException(at + ": " + e.getMessage());
      }
    }
    if (fits.isEmpty()) {
      throw new PlanException(file + ": the plan has no fits");
    }
    return new MixturePlan(fits);
  }
}
