using Rcnn.Training.Checkpoint;
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
            if (Checkpointer.Resume(Model, Optimizer) is { } iteration)
            {
                StartIteration = iteration + 1;
                return StartIteration;
            }
            Log($"No checkpoint to resume from in {Checkpointer.Directory}.");
        }
        StartIteration = 0;
        if (!string.IsNullOrWhiteSpace(Config.Model.Weights)) LoadWeights(Config.Model.Weights);
        return StartIteration;
    }

    /// <summary>
    /// Loads model weights (not strict, like detectron2: missing, unexpected and mis-shaped tensors are listed in the
    /// log, e.g. a predictor for another number of classes). A .ckpt of ours, or a .safetensors in our layout, in
    /// torchvision's detection layout (converted), or a torchvision ResNet (loaded into the bottom-up backbone).
    /// </summary>
    public LoadReport LoadWeights(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"MODEL.WEIGHTS file not found: {path}", path);
        LoadReport report;
        if (path.EndsWith(Engine.Checkpointer.Extension, StringComparison.OrdinalIgnoreCase))
            report = Engine.Checkpointer.LoadWeights(path, Model, strict: false);
        else if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            var weights = SafeTensors.Load(path);
            try
            {
                report = StateDictLoader.Load(Model, ToOurLayout(weights, path), strict: false);
            }
            finally
            {
                foreach (var t in weights.Values) t.Dispose();
            }
        }
        else throw new NotSupportedException($"MODEL.WEIGHTS '{path}': only .ckpt and .safetensors files can be loaded.");
        Log($"Loaded weights from {path}: {report}");
        return report;
    }

    private Dictionary<string, Tensor> ToOurLayout(Dictionary<string, Tensor> weights, string path)
    {
        if (weights.Keys.Any(k => k.StartsWith("backbone.body.") || k.StartsWith("rpn.head.") || k.StartsWith("roi_heads.box_head.fc6")))
        {
            var converted = TorchvisionLayout.ConvertFasterRcnn(weights, out var dropped);
            Log($"{path} has torchvision's detection layout; converted {converted.Count} tensors" +
                (dropped.Count > 0 ? $", {dropped.Count} without a counterpart: {string.Join(", ", dropped.Take(10))}" : "") + ".");
            return converted;
        }
        if (weights.ContainsKey("conv1.weight") && weights.Keys.Any(k => k.StartsWith("layer1.")))
        {
            var renamed = new Dictionary<string, Tensor>();
            foreach (var (k, v) in weights)
                if (TorchvisionNames.ResNet(k) is { } name) renamed["backbone.bottom_up." + name] = v;
            Log($"{path} is a torchvision ResNet; {renamed.Count} tensors go into the bottom-up backbone.");
            return renamed;
        }
        return weights;
    }
}
