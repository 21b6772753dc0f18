using Rcnn.Training.Checkpoint;
using Rcnn.Training.Config;
using static TorchSharp.torch;

namespace Rcnn.Training.Engine;

public sealed partial class DefaultTrainer
{
    /// <summary>
    /// detectron2's <c>resume_or_load</c>. With <paramref name="resume"/> and a checkpoint in OUTPUT_DIR: model and
    /// optimizer state from it, training continuing at its iteration + 1. Otherwise MODEL.WEIGHTS when set (model only,
    /// from iteration 0). Returns the iteration training starts at.
    /// </summary>
    public int ResumeOrLoad(bool resume)
    {
        if (resume)
        {
            if (Checkpointer.ResumeMeta(Model, Optimizer) is { } meta)
            {
                RestoreRunState(meta.Extra);
                StartIteration = meta.Iteration + 1;
                return StartIteration;
            }
            Log($"No checkpoint to resume from in {Checkpointer.Directory}.");
        }
        StartIteration = 0;
        if (!string.IsNullOrWhiteSpace(Config.Model.Weights)) LoadWeights(Config.Model.Weights);
        return StartIteration;
    }

    /// <summary>Loads MODEL.WEIGHTS-style <paramref name="weights"/> into the model (<see cref="DetectionCheckpointer.LoadWeights"/>).</summary>
    public LoadReport LoadWeights(string weights) => DetectionCheckpointer.LoadWeights(Model, Config, weights, Log);
}
