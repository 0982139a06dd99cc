package io.cpt4j.data.internal;

import io.cpt4j.backend.Batch;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.MixtureSampler;
import io.cpt4j.data.Packing;
import io.cpt4j.data.SamplerStats;
import io.cpt4j.data.TokenDataset;
import java.util.List;

/** The mixture sampler. STUB: to be implemented. */
public final class BlendedSampler implements MixtureSampler {
  public BlendedSampler(Mixture mixture, List<TokenDataset> datasets, Packing packing, long plannedTokens) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  @Override
  public boolean hasNext() {
    return false;
  }

  @Override
  public Batch next(int rows) {
    throw new UnsupportedOperationException();
  }

  @Override
  public long tokensProduced() {
    return 0;
  }

  @Override
  public double progress() {
    return 0;
  }

  @Override
  public SamplerStats stats() {
    throw new UnsupportedOperationException();
  }

  @Override
  public String saveState() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void restoreState(String json) {
    throw new UnsupportedOperationException();
  }
}
