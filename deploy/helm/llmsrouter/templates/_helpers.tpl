{{- define "llmsrouter.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{- define "llmsrouter.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "llmsrouter.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "llmsrouter.image" -}}
{{- $name := printf "llmsrouter-%s" .component -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" .root.Values.image.registry $name .root.Values.image.tag -}}
{{- else -}}
{{- printf "%s:%s" $name .root.Values.image.tag -}}
{{- end -}}
{{- end -}}

{{- define "llmsrouter.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "llmsrouter.fullname" .)) -}}
{{- end -}}

{{- define "llmsrouter.redisUrl" -}}
{{- if .Values.redis.bundled -}}
{{- printf "redis://:$(REDIS_PASSWORD)@%s-redis:6379/0" (include "llmsrouter.fullname" .) -}}
{{- else if .Values.redis.sentinel.hosts -}}
{{- $auth := ternary "" ":$(REDIS_PASSWORD)@" (eq (include "llmsrouter.redisSecretName" .) "") -}}
{{- printf "redis-sentinel://%s%s/%s/%v" $auth .Values.redis.sentinel.hosts .Values.redis.sentinel.masterSet .Values.redis.sentinel.db -}}
{{- else -}}
{{- .Values.redis.url -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the Redis password, or "" when there is none (external Redis
     without redis.existingSecret). */}}
{{- define "llmsrouter.redisSecretName" -}}
{{- if .Values.redis.existingSecret -}}
{{- .Values.redis.existingSecret -}}
{{- else if .Values.redis.bundled -}}
{{- printf "%s-redis" (include "llmsrouter.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* REDIS_PASSWORD from the Redis Secret, as an env entry list (empty without a Secret). */}}
{{- define "llmsrouter.redisPasswordEnv" -}}
{{- with include "llmsrouter.redisSecretName" . -}}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: {{ $.Values.redis.existingSecretKey }}}
{{- end }}
{{- end -}}

{{/* A Deployment for one service. Args: root, component, values (the service's block),
     env (list), probe (dict: grpc or http), configMount (bool). */}}
{{- define "llmsrouter.deployment" -}}
{{- $root := .root -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "llmsrouter.fullname" $root }}-{{ .component }}
  labels:
    {{- include "llmsrouter.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if not (and $v.autoscaling $v.autoscaling.enabled) }}
  replicas: {{ $v.replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "llmsrouter.selector" (dict "root" $root "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "llmsrouter.selector" (dict "root" $root "component" .component) | nindent 8 }}
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
    spec:
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets: {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if and (hasKey $v "drainDelaySeconds") (le (int $v.terminationGracePeriodSeconds) (add $v.drainDelaySeconds $v.drainTimeoutSeconds | int)) }}
      {{- fail (printf "%s.terminationGracePeriodSeconds must exceed drainDelaySeconds + drainTimeoutSeconds" .component) }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      # The services never call the Kubernetes API.
      automountServiceAccountToken: false
      {{- with $root.Values.scaling.topologySpread }}
      {{- if .enabled }}
      # Replicas spread over nodes and zones, so one node or zone going away takes few of them.
      topologySpreadConstraints:
        {{- range $key := list "kubernetes.io/hostname" "topology.kubernetes.io/zone" }}
        - maxSkew: {{ $.root.Values.scaling.topologySpread.maxSkew }}
          topologyKey: {{ $key }}
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "llmsrouter.selector" (dict "root" $root "component" $.component) | nindent 14 }}
        {{- end }}
      {{- end }}
      {{- end }}
      securityContext: {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .component }}
          image: {{ include "llmsrouter.image" (dict "root" $root "component" .component) }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          securityContext: {{- toYaml $root.Values.securityContext | nindent 12 }}
          ports:
            - name: {{ if eq .probe.kind "http" }}http{{ else }}grpc{{ end }}
              containerPort: {{ $v.port }}
            - name: metrics
              containerPort: 9090
          envFrom:
            - secretRef:
                name: {{ include "llmsrouter.secretName" $root }}
          env:
            - name: LLMSROUTER_LISTEN
              value: "0.0.0.0:{{ $v.port }}"
            - name: LLMSROUTER_METRICS_LISTEN
              value: "0.0.0.0:9090"
            {{- if hasKey $v "drainDelaySeconds" }}
            # SIGTERM: not ready at once, still serving for the delay (endpoints and load
            # balancers catch up), then calls in flight get the drain timeout.
            - name: LLMSROUTER_DRAIN_DELAY
              value: {{ $v.drainDelaySeconds | quote }}
            - name: LLMSROUTER_DRAIN_TIMEOUT
              value: {{ $v.drainTimeoutSeconds | quote }}
            {{- end }}
            {{- if ne .probe.kind "http" }}
            - name: LLMSROUTER_MAX_CONNECTION_AGE
              value: {{ $root.Values.scaling.maxConnectionAgeSeconds | quote }}
            {{- end }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with include "llmsrouter.tlsEnv" (dict "root" $root "component" .component) | trim }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- if eq .probe.kind "http" }}
          readinessProbe:
            httpGet: {path: /readyz, port: http}
            periodSeconds: 5
          livenessProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 10
          {{- else if $root.Values.tls.enabled }}
          # The kubelet's gRPC probe cannot speak TLS; the probe binary reads the TLS env.
          readinessProbe:
            exec: {command: [llmsrouter-probe, grpc, "127.0.0.1:{{ $v.port }}"]}
            periodSeconds: 5
          livenessProbe:
            exec: {command: [llmsrouter-probe, grpc, "127.0.0.1:{{ $v.port }}"]}
            periodSeconds: 10
          {{- else }}
          readinessProbe:
            grpc: {port: {{ $v.port }}}
            periodSeconds: 5
          livenessProbe:
            grpc: {port: {{ $v.port }}}
            periodSeconds: 10
          {{- end }}
          resources: {{- toYaml $v.resources | nindent 12 }}
          {{- if or .configMount $root.Values.tls.enabled }}
          volumeMounts:
            {{- if .configMount }}
            - name: config
              mountPath: /etc/llmsrouter
              readOnly: true
            {{- end }}
            {{- with include "llmsrouter.tlsVolumeMount" (dict "root" $root) | trim }}
            {{- . | nindent 12 }}
            {{- end }}
          {{- end }}
      {{- if or .configMount $root.Values.tls.enabled }}
      volumes:
        {{- if .configMount }}
        - name: config
          configMap:
            name: {{ include "llmsrouter.fullname" $root }}-config
        {{- end }}
        {{- with include "llmsrouter.tlsVolume" (dict "root" $root "component" .component) | trim }}
        {{- . | nindent 8 }}
        {{- end }}
      {{- end }}
{{- end -}}

{{/* gRPC target of a service: its headless Service through DNS, so clients see every pod
     and balance over them (round robin), re-resolving as pods come and go. */}}
{{- define "llmsrouter.grpcTarget" -}}
{{- printf "dns:///%s-%s-pods:%v" (include "llmsrouter.fullname" .root) .component (index .root.Values .component).port -}}
{{- end -}}

{{/* The headless Service behind llmsrouter.grpcTarget (ready pods only). */}}
{{- define "llmsrouter.headlessService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "llmsrouter.fullname" .root }}-{{ .component }}-pods
  labels:
    {{- include "llmsrouter.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  clusterIP: None
  selector:
    {{- include "llmsrouter.selector" (dict "root" .root "component" .component) | nindent 4 }}
  ports:
    - name: grpc
      port: {{ (index .root.Values .component).port }}
      targetPort: {{ (index .root.Values .component).port }}
      appProtocol: grpc
{{- end -}}

{{- define "llmsrouter.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "llmsrouter.fullname" .root }}-{{ .component }}
  labels:
    {{- include "llmsrouter.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  type: {{ .type | default "ClusterIP" }}
  selector:
    {{- include "llmsrouter.selector" (dict "root" .root "component" .component) | nindent 4 }}
  ports:
    - name: {{ .portName }}
      port: {{ .port }}
      targetPort: {{ .targetPort }}
      {{- if ne .portName "http" }}
      appProtocol: grpc
    - name: metrics
      port: 9090
      targetPort: metrics
      {{- end }}
{{- end -}}
