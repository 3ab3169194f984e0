{{/*
Liveness/readiness probes: native grpc probes for gRPC components (standard health service, overall "" status),
httpGet on livenessPath / readinessPath for HTTP ones (the gateway: /healthz, and /readyz that turns false while
it drains).
Call with (dict "root" $ "name" "auth" "component" $component).
*/}}
{{- define "billing-portal.probes" -}}
{{- $c := .component }}
{{- range $kind := list "liveness" "readiness" }}
{{ $kind }}Probe:
  {{- if eq $c.protocol "grpc" }}
  grpc:
    port: {{ $c.port }}
  {{- else if eq $c.protocol "http" }}
  httpGet:
    path: {{ index $c (printf "%sPath" $kind) | default "/healthz" }}
    port: {{ $c.protocol }}
  {{- else }}
  {{- fail (printf "components.%s.protocol must be grpc or http, got %q" $.name $c.protocol) }}
  {{- end }}
  {{- toYaml (index $.root.Values.probes $kind) | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The Kafka security protocol the values describe: SASL_SSL, SASL_PLAINTEXT, SSL or PLAINTEXT.
*/}}
{{- define "billing-portal.kafkaProtocol" -}}
{{- $k := .Values.kafka }}
{{- if and $k.sasl.enabled $k.tls.enabled }}SASL_SSL
{{- else if $k.sasl.enabled }}SASL_PLAINTEXT
{{- else if $k.tls.enabled }}SSL
{{- else }}PLAINTEXT
{{- end }}
{{- end }}

{{/*
A value taken from a Secret: the secretKeyRef of an env entry.
Call with (dict "name" "PORTAL_X" "secret" "s" "key" "k").
*/}}
{{- define "billing-portal.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
{{- end }}

{{/*
Environment of one component (its migration Job gets the same).
Call with (dict "root" $ "name" "auth" "component" $component).
*/}}
{{- define "billing-portal.env" -}}
{{- $root := .root }}
{{- $values := $root.Values }}
{{- $c := .component -}}
- name: PORTAL_SERVICE_NAME
  value: {{ .name | quote }}
- name: PORTAL_ENV
  value: {{ $values.environment | default "production" | quote }}
{{ include "billing-portal.secretEnv" (dict "name" "PORTAL_SECRET_KEY" "secret" (required "secretKey.existingSecret is required" $values.secretKey.existingSecret) "key" $values.secretKey.key) }}
{{- with $values.kafka }}
{{- if .bootstrapSecret.existingSecret }}
{{ include "billing-portal.secretEnv" (dict "name" "PORTAL_KAFKA_BOOTSTRAP" "secret" .bootstrapSecret.existingSecret "key" .bootstrapSecret.key) }}
{{- else }}
- name: PORTAL_KAFKA_BOOTSTRAP
  value: {{ required "kafka.bootstrap (or kafka.bootstrapSecret.existingSecret) is required" .bootstrap | quote }}
{{- end }}
- name: PORTAL_KAFKA_IDEMPOTENCE
  value: {{ .idempotence | toString | quote }}
- name: PORTAL_KAFKA_SECURITY_PROTOCOL
  value: {{ include "billing-portal.kafkaProtocol" $root | quote }}
{{- if and .tls.enabled .tls.existingSecret }}
- name: PORTAL_KAFKA_SSL_CAFILE
  value: /etc/portal/kafka-tls/ca.crt
{{- if .tls.certKey }}
- name: PORTAL_KAFKA_SSL_CERTFILE
  value: /etc/portal/kafka-tls/tls.crt
- name: PORTAL_KAFKA_SSL_KEYFILE
  value: /etc/portal/kafka-tls/tls.key
{{- end }}
{{- end }}
{{- if .sasl.enabled }}
{{- $secret := required "kafka.sasl.existingSecret is required when kafka.sasl.enabled" .sasl.existingSecret }}
- name: PORTAL_KAFKA_SASL_MECHANISM
  value: {{ .sasl.mechanism | quote }}
{{ include "billing-portal.secretEnv" (dict "name" "PORTAL_KAFKA_SASL_USERNAME" "secret" $secret "key" .sasl.usernameKey) }}
{{ include "billing-portal.secretEnv" (dict "name" "PORTAL_KAFKA_SASL_PASSWORD" "secret" $secret "key" .sasl.passwordKey) }}
{{- end }}
{{- end }}
- name: PORTAL_SHUTDOWN_GRACE_SECONDS
  value: {{ $values.shutdown.graceSeconds | toString | quote }}
{{- if $values.metrics.enabled }}
- name: PORTAL_METRICS_PORT
  value: {{ $values.metrics.port | toString | quote }}
{{- end }}
{{- if $values.tracing.enabled }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ required "tracing.endpoint is required when tracing.enabled" $values.tracing.endpoint | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ .name | quote }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "service.namespace=%s,deployment.environment=%s" (include "billing-portal.fullname" $root) $values.environment | quote }}
- name: OTEL_TRACES_SAMPLER
  value: parentbased_traceidratio
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ $values.tracing.sampleRatio | toString | quote }}
{{- end }}
{{- if eq $c.protocol "grpc" }}
- name: PORTAL_GRPC_PORT
  value: {{ $c.port | toString | quote }}
{{- else if eq $c.protocol "http" }}
- name: PORTAL_HTTP_PORT
  value: {{ $c.port | toString | quote }}
- name: PORTAL_BASE_DOMAIN
  value: {{ $values.gateway.baseDomain | quote }}
- name: PORTAL_PUBLIC_SCHEME
  value: {{ $values.gateway.publicScheme | default "https" | quote }}
- name: PORTAL_TRUSTED_PROXIES
  value: {{ $values.gateway.trustedProxies | default list | join "," | quote }}
{{- end }}
{{- with $c.database }}
{{ include "billing-portal.secretEnv" (dict "name" "PORTAL_DATABASE_URL" "secret" (required (printf "components.%s.database.existingSecret is required" $.name) .existingSecret) "key" (.key | default "url")) }}
{{- with .poolSize }}
- name: PORTAL_DB_POOL_SIZE
  value: {{ . | toString | quote }}
{{- end }}
{{- end }}
{{- if $c.encryptionKey }}
{{ include "billing-portal.secretEnv" (dict "name" "PORTAL_ENCRYPTION_KEY" "secret" (required "encryptionKey.existingSecret is required" $values.encryptionKey.existingSecret) "key" $values.encryptionKey.key) }}
{{- end }}
{{- if $c.smtp }}
{{- $mail := $values.mail }}
- name: PORTAL_SMTP_HOST
  value: {{ required "mail.smtpHost is required" $mail.smtpHost | quote }}
- name: PORTAL_SMTP_PORT
  value: {{ required "mail.smtpPort is required" $mail.smtpPort | toString | quote }}
- name: PORTAL_SMTP_STARTTLS
  value: {{ $mail.starttls | default false | toString | quote }}
- name: PORTAL_MAIL_FROM
  value: {{ required "mail.from is required" $mail.from | quote }}
{{- with $mail.existingSecret }}
{{ include "billing-portal.secretEnv" (dict "name" "PORTAL_SMTP_USERNAME" "secret" . "key" ($mail.usernameKey | default "username")) }}
{{ include "billing-portal.secretEnv" (dict "name" "PORTAL_SMTP_PASSWORD" "secret" . "key" ($mail.passwordKey | default "password")) }}
{{- end }}
{{- end }}
{{- range $upstream := $c.upstreams }}
{{- $target := index $values.components $upstream | required (printf "components.%s.upstreams: unknown component %q" $.name $upstream) }}
{{- if $target.enabled }}
- name: {{ printf "PORTAL_%s_ADDR" ($upstream | upper | replace "-" "_") }}
  value: {{ include "billing-portal.grpcTarget" (dict "root" $root "name" $upstream) | quote }}
{{- end }}
{{- end }}
{{- include "billing-portal.serviceCredentials" . }}
{{- if or (hasKey $values.env "PORTAL_MIGRATE_ON_START") (hasKey ($c.env | default dict) "PORTAL_MIGRATE_ON_START") }}
{{- fail (printf "components.%s: PORTAL_MIGRATE_ON_START must not be set here: migrations run in the chart's pre-install/pre-upgrade Jobs (migrations.enabled), never in the replicas" $.name) }}
{{- end }}
{{- range $key, $value := $values.env }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- range $key, $value := $c.env }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/*
terminationGracePeriodSeconds: the preStop sleep, then the services' own grace (PORTAL_SHUTDOWN_GRACE_SECONDS),
then 10 s of margin before the kubelet kills.
*/}}
{{- define "billing-portal.terminationGracePeriodSeconds" -}}
{{- add .Values.shutdown.preStopSleepSeconds .Values.shutdown.graceSeconds 10 }}
{{- end }}

{{/*
The pod spec of a component's Deployment (migrate=false) or of its migration Job (migrate=true).
Call with (dict "root" $ "name" "auth" "component" $component "migrate" false).
*/}}
{{- define "billing-portal.podSpec" -}}
{{- $root := .root }}
{{- $values := $root.Values }}
{{- $c := .component }}
{{- $kafkaTls := and $values.kafka.tls.enabled $values.kafka.tls.existingSecret -}}
automountServiceAccountToken: false
{{- with $values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .migrate }}
restartPolicy: Never
{{- else }}
terminationGracePeriodSeconds: {{ include "billing-portal.terminationGracePeriodSeconds" $root }}
{{- end }}
securityContext:
  {{- toYaml $values.podSecurityContext | nindent 2 }}
containers:
  - name: {{ .migrate | ternary "migrate" .name }}
    image: {{ include "billing-portal.image" . | quote }}
    imagePullPolicy: {{ $values.image.pullPolicy }}
    {{- $command := required (printf "components.%s.command is required" .name) $c.command }}
    command:
      {{- toYaml (.migrate | ternary (concat $command (list "migrate")) $command) | nindent 6 }}
    {{- if not .migrate }}
    ports:
      - name: {{ $c.protocol }}
        containerPort: {{ $c.port }}
        protocol: TCP
      {{- if $values.metrics.enabled }}
      - name: metrics
        containerPort: {{ $values.metrics.port }}
        protocol: TCP
      {{- end }}
    {{- end }}
    env:
      {{- include "billing-portal.env" . | nindent 6 }}
    {{- if not .migrate }}
    {{- include "billing-portal.probes" . | trim | nindent 4 }}
    lifecycle:
      preStop:
        exec:
          command: ["sleep", {{ $values.shutdown.preStopSleepSeconds | toString | quote }}]
    {{- end }}
    resources:
      {{- toYaml ($c.resources | default $values.resources) | nindent 6 }}
    securityContext:
      {{- toYaml $values.securityContext | nindent 6 }}
    volumeMounts:
      - name: tmp
        mountPath: /tmp
      {{- if $kafkaTls }}
      - name: kafka-tls
        mountPath: /etc/portal/kafka-tls
        readOnly: true
      {{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ $values.tmpSizeLimit }}
  {{- if $kafkaTls }}
  - name: kafka-tls
    secret:
      secretName: {{ $values.kafka.tls.existingSecret }}
      defaultMode: 0440
      items:
        - key: {{ $values.kafka.tls.caKey }}
          path: ca.crt
        {{- if $values.kafka.tls.certKey }}
        - key: {{ $values.kafka.tls.certKey }}
          path: tls.crt
        - key: {{ required "kafka.tls.keyKey is required with kafka.tls.certKey" $values.kafka.tls.keyKey }}
          path: tls.key
        {{- end }}
  {{- end }}
{{- with ($c.nodeSelector | default $values.nodeSelector) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with ($c.affinity | default $values.affinity) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with ($c.tolerations | default $values.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if not .migrate }}
{{- if $c.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml $c.topologySpreadConstraints | nindent 2 }}
{{- else if $values.topologySpread.enabled }}
topologySpreadConstraints:
  {{- range $key, $rule := dict "topology.kubernetes.io/zone" $values.topologySpread.zone "kubernetes.io/hostname" $values.topologySpread.node }}
  - maxSkew: 1
    topologyKey: {{ $key }}
    whenUnsatisfiable: {{ $rule }}
    labelSelector:
      matchLabels:
        {{- include "billing-portal.selectorLabels" $ | nindent 8 }}
  {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Deployment of one component. With an autoscaler, `replicas` is left to it (a rollout does not reset the size).
Call with (dict "root" $ "name" "auth" "component" $component).
*/}}
{{- define "billing-portal.deployment" -}}
{{- $c := .component -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "billing-portal.componentFullname" . }}
  labels:
    {{- include "billing-portal.labels" . | nindent 4 }}
spec:
  {{- if not (dig "autoscaling" "enabled" false $c) }}
  replicas: {{ $c.replicas | default 1 }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      {{- include "billing-portal.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "billing-portal.labels" . | nindent 8 }}
      {{- with $c.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      {{- include "billing-portal.podSpec" (merge (dict "migrate" false) .) | nindent 6 }}
{{- end }}

{{/*
Migration Job of one component with a database: a pre-install,pre-upgrade hook that runs
`<command> migrate` once, before any replica of the release (new or upgraded) starts.
Call with (dict "root" $ "name" "auth" "component" $component).
*/}}
{{- define "billing-portal.migrationJob" -}}
{{- $values := .root.Values }}
{{- /* Its own component label: the component's Service, PDB and NetworkPolicy must not select this pod. */}}
{{- $job := dict "root" .root "name" (printf "%s-migrate" .name) -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "billing-portal.componentFullname" $job }}
  labels:
    {{- include "billing-portal.labels" $job | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "0"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ $values.migrations.backoffLimit }}
  activeDeadlineSeconds: {{ $values.migrations.activeDeadlineSeconds }}
  ttlSecondsAfterFinished: {{ $values.migrations.ttlSecondsAfterFinished }}
  template:
    metadata:
      labels:
        {{- include "billing-portal.labels" $job | nindent 8 }}
    spec:
      {{- include "billing-portal.podSpec" (merge (dict "migrate" true) .) | nindent 6 }}
{{- end }}
