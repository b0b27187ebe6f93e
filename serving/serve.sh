#!/bin/sh
# SageMaker starts the container as `<entrypoint> serve`; MLflow's pyfunc scoring server answers
# /ping and /invocations (JSON: dataframe_split / dataframe_records / instances; or CSV) on $PORT.
set -eu
case "${1:-serve}" in
  serve) ;;
  *) echo "usage: serve (SageMaker's only command for an inference container)" >&2; exit 2 ;;
esac
if [ ! -f "$MODEL_DIR/MLmodel" ]; then
  echo "no MLflow model at $MODEL_DIR (model.tar.gz must hold MLmodel at its root)" >&2
  exit 1
fi
exec mlflow models serve --model-uri "$MODEL_DIR" --env-manager local --host 0.0.0.0 --port "$PORT" \
  --workers "${SAGEMAKER_MODEL_SERVER_WORKERS:-1}" --timeout "${SAGEMAKER_MODEL_SERVER_TIMEOUT:-60}"
