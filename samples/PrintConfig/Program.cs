using Rcnn.Training.Config;

// Prints the fully resolved config, like detectron2's `--config-file x.yaml KEY VALUE ...`:
//   dotnet run --project samples/PrintConfig -- models/COCO-Detection/faster_rcnn_R_50_FPN_1x.yaml SOLVER.BASE_LR 0.01
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: PrintConfig <config.yaml> [KEY VALUE]...");
    return args.Length == 0 ? 2 : 0;
}

try
{
    var cfg = RcnnConfig.FromFile(args[0], args[1..]);
    Console.Write(cfg.Dump());
    return 0;
}
catch (ConfigException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
