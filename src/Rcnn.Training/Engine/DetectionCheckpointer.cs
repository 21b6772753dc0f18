using Rcnn.Training.Checkpoint;
using Rcnn.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Engine;

/// <summary>detectron2's <c>DetectionCheckpointer.load</c> for MODEL.WEIGHTS: any supported weights file (or named
/// weights) into a detector built from a config, renamed and re-laid-out as needed.</summary>
public static class DetectionCheckpointer
{
    /// <summary>
    /// Loads model weights (not strict, like detectron2: missing, unexpected and mis-shaped tensors are listed in the
    /// log, e.g. a predictor for another number of classes). <paramref name="weights"/> is a path or a name
    /// (<see cref="PretrainedWeights"/>: <c>mlnet://ResNet18</c>, <c>detectron2://...</c>); a named file's input
    /// convention must be the config's. A .ckpt of ours, a .safetensors in our layout, in torchvision's detection layout
    /// (converted) or a torchvision ResNet (into the bottom-up backbone), an ONNX ResNet classification graph (its
    /// trunk into the backbone, BatchNorm as FrozenBN; the config must build the same trunk), or a detectron2 model-zoo
    /// .pkl (detectron2 names, or a Caffe2 ImageNet trunk such as MSRA's R-50).
    /// </summary>
    public static LoadReport LoadWeights(nn.Module model, RcnnConfig cfg, string weights, Action<string>? log = null)
    {
        log ??= _ => { };
        var named = PretrainedWeights.Find(weights);
        if (named is not null && PretrainedWeights.InputMismatches(named, cfg) is { Count: > 0 } inputs)
            throw new ConfigException($"MODEL.WEIGHTS {named.Name} was trained on other inputs than this config gives it: " +
                string.Join("; ", inputs) + ".", inputs[0].Split(' ')[0]);
        string path = PretrainedWeights.Resolve(weights);
        LoadReport report;
        if (path.EndsWith(Checkpointer.Extension, StringComparison.OrdinalIgnoreCase))
            report = Checkpointer.LoadWeights(path, model, strict: false);
        else if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            var loaded = SafeTensors.Load(path);
            try
            {
                report = StateDictLoader.Load(model, ToOurLayout(loaded, path, log), strict: false);
            }
            finally
            {
                foreach (var t in loaded.Values) t.Dispose();
            }
        }
        else if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            report = LoadOnnxTrunk(model, cfg, path, log);
        else if (path.EndsWith(".pkl", StringComparison.OrdinalIgnoreCase))
            report = LoadPickle(model, cfg, path, log);
        else throw new NotSupportedException($"MODEL.WEIGHTS '{weights}': only .ckpt, .safetensors, .onnx and .pkl files can be loaded.");
        log($"Loaded weights from {(named is null ? path : $"{named.Name} ({path})")}: {report}");
        return report;
    }

    /// <summary>An ONNX ResNet's trunk into the backbone's ResNet (res5 into Res5ROIHeads' when the backbone stops at
    /// res4); a config that builds another trunk is an error listing each key to change.</summary>
    private static LoadReport LoadOnnxTrunk(nn.Module model, RcnnConfig cfg, string path, Action<string> log)
    {
        using var import = OnnxResNetImporter.Read(path);
        var place = TrunkPlacement.Of(model, cfg, path);
        var mismatches = import.Architecture.Mismatches(cfg, place.Built);
        if (mismatches.Count > 0)
            throw new ConfigException($"MODEL.WEIGHTS {path} holds a trunk this config does not build: {string.Join("; ", mismatches)}. " +
                $"The trunk in MODEL.RESNETS terms: {string.Join(" ", import.Architecture.ConfigOverrides())}.", mismatches[0].Split(' ')[0]);
        var renamed = place.Rename(import.Weights, out int left);
        log($"{path} ({import.Producer}): a {(import.Architecture.Bottleneck ? "bottleneck" : "basic-block")} ResNet trunk, blocks " +
            $"[{string.Join(", ", import.Architecture.BlocksPerStage)}]" + (left > 0 ? $"; {left} tensors of stages this model does not build are left out" : "") +
            (import.Notes.Count > 0 ? "; " + string.Join("; ", import.Notes) : "") + ".");
        return StateDictLoader.Load(model, renamed, strict: false);
    }

    /// <summary>A detectron2 model-zoo .pkl: detectron2 names load as they are; a Caffe2 ImageNet trunk (MSRA's) goes
    /// into the backbone's ResNet like an ONNX one, its blobs renamed.</summary>
    private static LoadReport LoadPickle(nn.Module model, RcnnConfig cfg, string path, Action<string> log)
    {
        var weights = Detectron2Pickle.Read(path, out bool caffe2, out var leftOut);
        try
        {
            if (leftOut.Count > 0)
                log($"{path}: {leftOut.Count} entries with no counterpart left out: {string.Join(", ", leftOut.Take(10))}{(leftOut.Count > 10 ? ", ..." : "")}.");
            if (!caffe2) return StateDictLoader.Load(model, weights, strict: false);
            var place = TrunkPlacement.Of(model, cfg, path);
            var renamed = place.Rename(weights, out int left);
            log($"{path}: a Caffe2 ResNet trunk" + (left > 0 ? $"; {left} tensors of stages this model does not build are left out" : "") + ".");
            return StateDictLoader.Load(model, renamed, strict: false);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    /// <summary>Where a detector keeps its ResNet trunk: the backbone's (under bottom_up for FPN), with res5 in
    /// Res5ROIHeads when the backbone stops at res4; <see cref="Built"/> counts the stages res2.. it has.</summary>
    private sealed record TrunkPlacement(string Prefix, string Res5Prefix, int Built)
    {
        public static TrunkPlacement Of(nn.Module model, RcnnConfig cfg, string path)
        {
            var keys = model.state_dict().Keys.ToHashSet();
            string prefix = keys.Contains("backbone.bottom_up.stem.conv1.weight") ? "backbone.bottom_up."
                : keys.Contains("backbone.stem.conv1.weight") ? "backbone."
                : throw new ConfigException($"MODEL.WEIGHTS {path} is a ResNet trunk, but MODEL.BACKBONE.NAME {cfg.Model.Backbone.Name} builds no ResNet to load it into.",
                    "MODEL.BACKBONE.NAME");
            string res5 = !keys.Contains($"{prefix}res5.0.conv1.weight") && keys.Contains("roi_heads.res5.0.conv1.weight") ? "roi_heads." : prefix;
            int built = Enumerable.Range(2, 4).Count(s => keys.Contains($"{(s == 5 ? res5 : prefix)}res{s}.0.conv1.weight"));
            return new TrunkPlacement(prefix, res5, built);
        }

        /// <summary>Trunk-relative names (stem.*, res2.* ...) as the model's; tensors of stages it does not build are
        /// counted in <paramref name="left"/> and not returned.</summary>
        public Dictionary<string, Tensor> Rename(IReadOnlyDictionary<string, Tensor> trunk, out int left)
        {
            var renamed = new Dictionary<string, Tensor>();
            left = 0;
            foreach (var (name, value) in trunk)
            {
                int stage = name.StartsWith("res", StringComparison.Ordinal) ? name[3] - '0' : 1;
                if (stage - 1 > Built) left++;
                else renamed[(stage == 5 ? Res5Prefix : Prefix) + name] = value;
            }
            return renamed;
        }
    }

    private static Dictionary<string, Tensor> ToOurLayout(Dictionary<string, Tensor> weights, string path, Action<string> log)
    {
        if (weights.Keys.Any(k => k.StartsWith("backbone.body.") || k.StartsWith("rpn.head.") || k.StartsWith("roi_heads.box_head.fc6")))
        {
            var converted = TorchvisionLayout.ConvertFasterRcnn(weights, out var dropped);
            log($"{path} has torchvision's detection layout; converted {converted.Count} tensors" +
                (dropped.Count > 0 ? $", {dropped.Count} without a counterpart: {string.Join(", ", dropped.Take(10))}" : "") + ".");
            return converted;
        }
        if (weights.ContainsKey("conv1.weight") && weights.Keys.Any(k => k.StartsWith("layer1.")))
        {
            var renamed = new Dictionary<string, Tensor>();
            foreach (var (k, v) in weights)
                if (TorchvisionNames.ResNet(k) is { } name) renamed["backbone.bottom_up." + name] = v;
            log($"{path} is a torchvision ResNet; {renamed.Count} tensors go into the bottom-up backbone.");
            return renamed;
        }
        return weights;
    }
}
