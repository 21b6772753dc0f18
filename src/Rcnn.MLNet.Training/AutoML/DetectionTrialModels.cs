using Rcnn.Training.Config;
using Rcnn.Training.Engine;
using Rcnn.Training.Modeling.MetaArch;

namespace Rcnn.MLNet.AutoML;

/// <summary>Loads a trial's detector back from its folder.</summary>
public static class DetectionTrialModels
{
    /// <summary>The trial's resolved config.yaml.</summary>
    public static RcnnConfig LoadConfig(this DetectionTrialResult trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        return RcnnConfig.FromFile(trial.ConfigPath);
    }

    /// <summary>The trial's detector as it ended (its kept checkpoint), in eval mode.</summary>
    public static GeneralizedRcnn LoadModel(this DetectionTrialResult trial)
    {
        var cfg = trial.LoadConfig();
        var model = GeneralizedRcnn.FromConfig(cfg);
        Checkpointer.LoadWeights(trial.CheckpointPath, model, strict: true);
        model.eval();
        return model;
    }
}
